import { describe, expect, test } from 'vitest';
import { performanceOf, stepFor, type PerformanceInput } from '../../../actors/platform/performance.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import type { BacktestFill } from '../../../adapters/backtest/kernel.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const usd = (n: number) => toFixed(n, 'n');

function fill(ts: number, side: 'buy' | 'sell', price: number, quantity = 1, fee = 0): BacktestFill {
  return { traderId: 't', ts, symbol: 'BTC/USDT', side, price: usd(price), quantity: usd(quantity), fee: usd(fee), feeAsset: 'USDT', clientOrderId: `o${ts}` };
}

describe('stepFor', () => {
  test('takes the shortest step that keeps the record within 10,000 steps, opening on a multiple of it', () => {
    expect(stepFor(1_000, 5_000)).toEqual({ origin: 1_000, stepMs: 1 });
    expect(stepFor(1_005, 1_005 + 20_000)).toEqual({ origin: 1_000, stepMs: 10 });
    expect(stepFor(DAY + 90_000, DAY + 90_000 + 3 * DAY)).toEqual({ origin: DAY + 60_000, stepMs: 60_000 });
    expect(stepFor(DAY + 90_000, DAY + 90_000 + 30 * DAY)).toEqual({ origin: DAY, stepMs: 300_000 });
    expect(stepFor(0, 100 * 365 * DAY)).toEqual({ origin: 0, stepMs: DAY });
    // Every step divides a day: midnight always closes a step.
    for (const span of [1, 5_000, 60_000, HOUR, DAY, 30 * DAY, 400 * DAY, 4_000 * DAY]) expect(DAY % stepFor(0, span).stepMs).toBe(0);
  });
});

describe('performanceOf', () => {
  /** Three days in hours: the trader starts at 06:00 on day 0, buys at 10:00, sells on day 2 at 12:00, buys again at 20:00; now is 22:30 of day 2. */
  const input: PerformanceInput = {
    start: 6 * HOUR,
    initialEquity: usd(1_000),
    now: 2 * DAY + 22.5 * HOUR,
    origin: 6 * HOUR,
    stepMs: HOUR,
    // The last stored equity of each step that has one: step k closes at 07:00 + k hours.
    steps: [
      { step: 4, equity: usd(999) }, // 10:00, the buy
      { step: 54, equity: usd(1_100) }, // day 2, 12:00, the sell
      { step: 62, equity: usd(1_099) }, // day 2, 20:00, the second buy
    ],
    equity: usd(1_050),
    fills: [fill(10 * HOUR, 'buy', 100, 10, 1), fill(2 * DAY + 12 * HOUR, 'sell', 110, 10, 0), fill(2 * DAY + 20 * HOUR, 'buy', 110, 1, 1)],
  };

  test("samples the stored equity at each step's close, the equity now last, and reports the backtest's figures", () => {
    const result = performanceOf(input);
    expect(result).toMatchObject({ from: 6 * HOUR, to: input.now, stepMs: HOUR });
    const { summary } = result;
    expect(summary).toMatchObject({ initialEquity: usd(1_000), finalEquity: usd(1_050), pnl: usd(50), feesPaid: usd(2), trades: 1, fills: 3, winRate: 1, profitFactor: null });
    expect(summary.totalReturn).toBeCloseTo(0.05, 12);
    // Over the 65 hours the steps cover.
    expect(summary.cagr).toBeCloseTo(1.05 ** (365 / (65 / 24)) - 1, 6);
    // The peak of 1,100 at day 2 12:00, then 1,050 now (the 1,099 step in between is higher).
    expect(summary.maxDrawdown).toBeCloseTo(50 / 1_100, 12);
    // Steps close from 07:00 of day 0 to 23:00 of day 2: 65, of which those from 11:00 of day 0 to 12:00 of day 2 (50) and the last 3 in a position.
    expect(summary.timeInMarket).toBeCloseTo((50 + 3) / 65, 12);
    // Daily returns: day 0 ends at 999, day 1 at 999, day 2 at 1,050.
    const days = [999 / 1_000 - 1, 0, 1_050 / 999 - 1];
    const mean = days.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(days.reduce((a, d) => a + (d - mean) ** 2, 0) / 2);
    expect(summary.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 9);
  });

  test("P&L today is the equity now less the equity at today's midnight; total, less the starting equity", () => {
    expect(performanceOf(input).pnl).toEqual({ today: usd(51), total: usd(50) });
    // A trader started today counts today from its starting equity.
    const today = performanceOf({ ...input, start: 2 * DAY + 6 * HOUR, origin: 2 * DAY + 6 * HOUR, steps: [], fills: [] });
    expect(today.pnl).toEqual({ today: usd(50), total: usd(50) });
  });

  test('a record shorter than a step is one step, the equity now', () => {
    const result = performanceOf({ ...input, start: 1_000, origin: 1_000, now: 1_000, stepMs: 1, steps: [], fills: [] });
    expect(result.summary).toMatchObject({ finalEquity: usd(1_050), maxDrawdown: 0, trades: 0, timeInMarket: 0 });
    expect(result.method.equity).toContain('1 ms step');
  });
});
