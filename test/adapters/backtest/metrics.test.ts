import { describe, expect, test } from 'vitest';
import type { BacktestFill } from '../../../adapters/backtest/kernel.js';
import { roundTrips, summarize } from '../../../adapters/backtest/metrics.js';
import { toFixed } from '../../../actors/trading/fixed.js';

const DAY = 86_400_000;
const f = (n: number | string) => toFixed(n, 'n');

function fill(side: 'buy' | 'sell', price: number, quantity: number, ts: number, fee = 0): BacktestFill {
  return { traderId: 't', ts, symbol: 'BTC/USDT', side, price: f(price), quantity: f(quantity), fee: f(fee), feeAsset: 'USDT', clientOrderId: `c${ts}` };
}

describe('backtest figures', () => {
  test('return, drawdown and daily Sharpe and Sortino of a known equity curve', () => {
    // One step a day: 100 -> 110 -> 99 -> 108.9 -> 119.79 (returns +10 %, -10 %, +10 %, +10 %).
    const equity = [110, 99, 108.9, 119.79].map(f);
    const s = summarize({ times: [1, 2, 3, 4].map((d) => d * DAY), stepMs: DAY, equity, inMarket: [true, true, false, false], initialEquity: f(100), fills: [] });
    expect(s.totalReturn).toBeCloseTo(0.1979, 10);
    expect(s.maxDrawdown).toBeCloseTo(0.1, 10);
    const returns = [0.1, -0.1, 0.1, 0.1];
    const mean = 0.05;
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 3);
    expect(s.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 6);
    expect(s.sortino).toBeCloseTo((mean / Math.sqrt(0.01 / 4)) * Math.sqrt(365), 6);
    expect(s.cagr).toBeCloseTo(1.1979 ** (365 / 4) - 1, 0);
    expect(s.timeInMarket).toBe(0.5);
  });

  test('round trips count fees; win rate and profit factor come from them', () => {
    const fills = [fill('buy', 100, 1, 1, 0.1), fill('sell', 110, 1, 2, 0.11), fill('buy', 100, 2, 3), fill('sell', 95, 1, 4), fill('sell', 96, 1, 5)];
    expect(roundTrips(fills).map((t) => t.pnl)).toEqual([f('9.79'), f(-9)]);
    const s = summarize({ times: [DAY], stepMs: DAY, equity: [f(100)], inMarket: [false], initialEquity: f(100), fills });
    expect(s).toMatchObject({ trades: 2, fills: 5, winRate: 0.5, feesPaid: f('0.21') });
    expect(s.profitFactor).toBeCloseTo(9.79 / 9, 10);
  });

  test('a run shorter than a day has no CAGR, and no Sharpe without two daily returns', () => {
    const s = summarize({ times: [60_000], stepMs: 60_000, equity: [f(101)], inMarket: [true], initialEquity: f(100), fills: [] });
    expect(s).toMatchObject({ cagr: null, sharpe: null, sortino: null, winRate: null, profitFactor: null });
  });
});
