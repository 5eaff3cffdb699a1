import { describe, expect, test } from 'vitest';
import { grid } from '../../../actors/strategies/grid.js';
import { TradingError } from '../../../actors/trading/errors.js';
import { bars, expectSameIndicatorsAfterAnyRestart, expectSameSignalsAfterAnyRestart, indicatorsAfter, paramsIssue, run } from './run.js';

// 4 lines, 1 % apart around the first close, 100: 98 (-2), 99 (-1), 101 (+1), 102 (+2).
const params = { levels: 4, spacing_pct: 1 };
const closes = [100, 100.5, 101, 99.5, 97, 96, 103, 150, 101.5, 101.5];

describe('grid', () => {
  test('one signal per line crossed: BUY downwards, SELL upwards, in the order crossed', () => {
    const signals = run(grid, params, bars('BTC/USDT', closes));
    expect(signals.map(({ at, action, reason }) => ({ at, action, reason }))).toEqual([
      { at: 2, action: 'SELL', reason: 'close rose through grid line +1 (101)' }, // a close on a line is at it
      { at: 3, action: 'BUY', reason: 'close fell through grid line +1 (101)' },
      { at: 4, action: 'BUY', reason: 'close fell through grid line -1 (99)' },
      { at: 4, action: 'BUY', reason: 'close fell through grid line -2 (98)' },
      // 96: below the grid, no line left to cross
      { at: 6, action: 'SELL', reason: 'close rose through grid line -2 (98)' },
      { at: 6, action: 'SELL', reason: 'close rose through grid line -1 (99)' },
      { at: 6, action: 'SELL', reason: 'close rose through grid line +1 (101)' },
      { at: 6, action: 'SELL', reason: 'close rose through grid line +2 (102)' },
      // 150: above the grid
      { at: 8, action: 'BUY', reason: 'close fell through grid line +2 (102)' },
    ]);
    for (const signal of signals) {
      expect(signal.symbol).toBe('BTC/USDT');
      expect(signal.price).toBeUndefined();
    }
  });

  test('spacing_pct is in percent and the lines are exact decimals', () => {
    // Anchor 0.3, spacing 0.5 %: line +1 at exactly 0.3015, line -1 at 0.2985. Reaching a line is
    // crossing it upwards; falling through one takes a close below it.
    const signals = run(grid, { levels: 2, spacing_pct: 0.5 }, bars('XRP/USDT', ['0.3', '0.301499999', '0.3015', '0.2985', '0.298499999']));
    expect(signals.map(({ at, action, reason }) => ({ at, action, reason }))).toEqual([
      { at: 2, action: 'SELL', reason: 'close rose through grid line +1 (0.3015)' },
      { at: 3, action: 'BUY', reason: 'close fell through grid line +1 (0.3015)' },
      { at: 4, action: 'BUY', reason: 'close fell through grid line -1 (0.2985)' },
    ]);
  });

  test('anchors each symbol at its own first close', () => {
    const btc = bars('BTC/USDT', closes);
    const eth = bars('ETH/USDT', closes.map((c) => c * 10));
    const signals = run(grid, params, btc.flatMap((candle, i) => [candle, eth[i]!]));
    const of = (symbol: string) => signals.filter((s) => s.symbol === symbol).map(({ at, action }) => ({ at: Math.floor(at / 2), action }));
    const alone = run(grid, params, btc).map(({ at, action }) => ({ at, action }));
    expect(of('BTC/USDT')).toEqual(alone);
    expect(of('ETH/USDT')).toEqual(alone);
    expect(signals.find((s) => s.symbol === 'ETH/USDT')!.reason).toBe('close rose through grid line +1 (1010)');
  });

  test('a restart from the snapshot at any candle gives the same signals as an uninterrupted run', () => {
    expectSameSignalsAfterAnyRestart(grid, params, bars('BTC/USDT', closes));
  });

  test('refuses a snapshot taken with another grid', () => {
    const strategy = grid.create(grid.params.parse(params), undefined);
    strategy.onCandle!(bars('BTC/USDT', [100])[0]!);
    const snapshot = strategy.snapshot();
    expect(() => grid.create(grid.params.parse({ levels: 6, spacing_pct: 1 }), snapshot)).toThrow(TradingError);
    expect(() => grid.create(grid.params.parse({ levels: 4, spacing_pct: 2 }), snapshot)).toThrow(/snapshot: cannot resume, BTC\/USDT\.spacing: .*spacing_pct/);
  });

  test('params default to 10 levels 0.5 % apart', () => {
    expect(grid.params.parse({})).toEqual({ levels: 10, spacing_pct: 0.5 });
  });

  test('bad params name the field', () => {
    expect(paramsIssue(grid, { levels: 5 }).path).toBe('levels');
    expect(paramsIssue(grid, { levels: 0 }).path).toBe('levels');
    expect(paramsIssue(grid, { spacing_pct: 0 }).path).toBe('spacing_pct');
    expect(paramsIssue(grid, { spacing_pct: -1 }).path).toBe('spacing_pct');
    // 10 lines below 100 at 25 % apart would reach -25.
    expect(paramsIssue(grid, { levels: 20, spacing_pct: 12.5 })).toMatchObject({ path: 'spacing_pct' });
  });

  test('exposes its anchor and the lines around the close: the next to buy at, the next to sell at', () => {
    const after = indicatorsAfter(grid, params, bars('BTC/USDT', closes));
    const lines = (buy?: number, sell?: number) => [
      { name: 'grid anchor', value: 100 },
      ...(buy !== undefined ? [{ name: 'grid buy', value: buy }] : []),
      ...(sell !== undefined ? [{ name: 'grid sell', value: sell }] : []),
    ];
    expect(after[0]).toEqual(lines(99, 101));
    expect(after[2]).toEqual(lines(101, 102)); // on line +1: at it
    expect(after[4]).toEqual(lines(undefined, 98)); // below the grid
    expect(after[7]).toEqual(lines(102, undefined)); // above it
    expectSameIndicatorsAfterAnyRestart(grid, params, bars('BTC/USDT', closes));
  });
});
