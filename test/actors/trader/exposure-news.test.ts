import { describe, expect, test } from 'vitest';
import type { ExposureReport } from '../../../actors/risk/protocol.js';
import { ExposureNews } from '../../../actors/trader/exposure-news.js';

const report = (at: number, change: Partial<ExposureReport> = {}): ExposureReport => ({
  type: 'exposure',
  traderId: 'alpha',
  at,
  equity: 10_000_000_000_000n,
  dayPnl: 0n,
  positions: [{ symbol: 'BTC/USDT', quantity: 1_000_000n, avgEntry: 65_000_000_000_000n, mark: 65_000_000_000_000n }],
  ...change,
});

describe('exposure reports are sent when they are news', () => {
  test('the first report, then only one that differs in something but its time', () => {
    const news = new ExposureNews();
    expect(news.of(report(1))).toEqual(report(1));
    expect(news.of(report(2))).toBeUndefined();
    const moved = report(3, { positions: [{ symbol: 'BTC/USDT', quantity: 1_000_000n, avgEntry: 65_000_000_000_000n, mark: 64_000_000_000_000n }] });
    expect(news.of(moved)).toBe(moved);
    expect(news.of({ ...moved, at: 4 })).toBeUndefined();
  });

  test.each([
    ['equity', { equity: 1n }],
    ['day P&L', { dayPnl: -1n }],
    ['a position closed', { positions: [] }],
    ['a quantity', { positions: [{ symbol: 'BTC/USDT', quantity: 2_000_000n, avgEntry: 65_000_000_000_000n, mark: 65_000_000_000_000n }] }],
    ['an entry price', { positions: [{ symbol: 'BTC/USDT', quantity: 1_000_000n, avgEntry: 64_000_000_000_000n, mark: 65_000_000_000_000n }] }],
  ] as const)('%s alone makes news', (_, change) => {
    const news = new ExposureNews();
    news.of(report(1));
    const changed = report(2, change as Partial<ExposureReport>);
    expect(news.of(changed)).toBe(changed);
  });
});
