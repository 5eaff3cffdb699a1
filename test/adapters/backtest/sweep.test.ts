import { describe, expect, test } from 'vitest';
import { formatSweep, grid, parseSweep, rank, type SweepRow } from '../../../adapters/backtest/sweep.js';

const row = (fast: number, totalReturn: number | null, sharpe: number | null = 1): SweepRow => ({ params: { fast }, summary: { totalReturn, sharpe } as SweepRow['summary'] });

describe('sweep grid', () => {
  test('NAME=START:END:STEP lists each value, end included, without drift', () => {
    expect(parseSweep('fast=5:20:5,slow=20:60:10')).toEqual([
      { name: 'fast', values: [5, 10, 15, 20] },
      { name: 'slow', values: [20, 30, 40, 50, 60] },
    ]);
    expect(parseSweep('stop=0.1:0.5:0.1')[0]!.values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(grid(parseSweep('a=1:2:1,b=7:8:1'))).toEqual([
      { a: 1, b: 7 },
      { a: 1, b: 8 },
      { a: 2, b: 7 },
      { a: 2, b: 8 },
    ]);
  });

  test.each(['fast', 'fast=5:20', 'fast=20:5:5', 'fast=5:20:0', 'fast=a:b:c', 'fast=1:2:1,fast=3:4:1', 'a=1:100:1,b=1:100:1,c=1:100:1'])('%s is refused, naming --sweep', (spec) => {
    expect(() => parseSweep(spec)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', field: '--sweep' }));
  });

  test('ranks by total return, then Sharpe, ties in grid order, refused runs last', () => {
    const refused: SweepRow = { params: { fast: 9 }, error: 'fast must be less than slow' };
    const ranked = rank([row(1, 0.1, 2), refused, row(2, 0.3), row(3, 0.1, 3), row(4, null), row(5, 0.1, 2)]);
    expect(ranked.map((r) => r.params['fast'])).toEqual([2, 3, 1, 5, 4, 9]);
    expect(formatSweep(ranked).split('\n').at(-1)).toBe('refused fast=9: fast must be less than slow');
  });
});
