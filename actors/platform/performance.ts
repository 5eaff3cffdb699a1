import type { BacktestFill } from '../../adapters/backtest/kernel.js';
import { summarize, type Summary } from '../../adapters/backtest/metrics.js';
import type { Fixed } from '../trading/fixed.js';

const DAY_MS = 86_400_000;
/** Steps a track may be sampled at, shortest first: each divides a day, so every UTC midnight closes a step. */
const STEPS_MS = [1, 10, 100, 1_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000, DAY_MS];
/** Steps of a track at most, but for a record of over 27 years (a step a day). */
const MAX_STEPS = 10_000;

/** The step a record from `start` to `now` is sampled at (the shortest that keeps it within `MAX_STEPS`), and where the first step opens. */
export function stepFor(start: number, now: number): { origin: number; stepMs: number } {
  const stepMs = STEPS_MS.find((ms) => now - Math.floor(start / ms) * ms <= MAX_STEPS * ms) ?? DAY_MS;
  return { origin: Math.floor(start / stepMs) * stepMs, stepMs };
}

/** What a trader's performance is computed from: what the database keeps of it, and its equity now. */
export interface PerformanceInput {
  /** When the trader started (was first registered), and its equity then. */
  start: number;
  initialEquity: Fixed;
  /** Its equity at `now`: live while it runs, else the last stored. */
  equity: Fixed;
  now: number;
  /** The sampling (`stepFor`) and the last equity stored in each step that has one (`equitySteps`). */
  origin: number;
  stepMs: number;
  steps: readonly { step: number; equity: Fixed }[];
  /** Its fills, oldest first. */
  fills: readonly BacktestFill[];
}

export interface TraderPerformance {
  /** The record: from the trader's start to now, in steps of `stepMs`. */
  from: number;
  to: number;
  stepMs: number;
  /** The backtest report's figures (`summarize`), computed the same way. */
  summary: Summary;
  pnl: { today: Fixed; total: Fixed };
  /** How each figure is computed, in words. */
  method: Record<'equity' | 'returns' | 'drawdown' | 'trades' | 'pnl', string>;
}

const METHOD: Omit<TraderPerformance['method'], 'equity'> = {
  returns:
    'totalReturn against the starting equity (a paper trader: its configured quote balance; a real account: its ledger as opened); Sharpe and Sortino from daily returns (the equity at the end of each UTC day), risk-free rate 0, annualised by √365, Sortino over the downside deviation; CAGR once the record is a day long',
  drawdown: 'maxDrawdown: the largest fall of the sampled equity from a peak before it (the starting equity included), as a fraction of that peak',
  trades: 'trades, winRate and profitFactor: round trips of the stored fills (flat to flat per symbol, fees included); feesPaid: their fees summed; timeInMarket: the share of steps closing with a position open',
  pnl: 'today: the equity now less the equity at 00:00 UTC (the starting equity for a trader started today); total: the equity now less the starting equity',
};

/**
 * A live trader's figures as a backtest reports them (`summarize`): its equity sampled at the close of
 * every step from its start to now, each step's the last stored at or before that close and the last
 * step's the equity now, and its stored fills. What the database keeps is the equity at each ledger
 * change (fills, funding) at the marks of that moment: a position's moves between its fills are not in it.
 */
export function performanceOf(input: PerformanceInput): TraderPerformance {
  const { origin, stepMs, now, steps, fills } = input;
  const count = Math.max(1, Math.ceil((now - origin) / stepMs));
  const times: number[] = [];
  const equity: Fixed[] = [];
  const inMarket: boolean[] = [];
  const held = new Map<string, Fixed>();
  let stored = input.initialEquity;
  let s = 0;
  let f = 0;
  for (let k = 0; k < count; k++) {
    const close = origin + (k + 1) * stepMs;
    while (s < steps.length && steps[s]!.step <= k) stored = steps[s++]!.equity;
    for (; f < fills.length && fills[f]!.ts < close; f++) {
      const fill = fills[f]!;
      const quantity = (held.get(fill.symbol) ?? 0n) + (fill.side === 'buy' ? fill.quantity : -fill.quantity);
      if (quantity === 0n) held.delete(fill.symbol);
      else held.set(fill.symbol, quantity);
    }
    times.push(close);
    equity.push(k === count - 1 ? input.equity : stored);
    inMarket.push(held.size > 0);
  }
  const summary = summarize({ times, stepMs, equity, inMarket, initialEquity: input.initialEquity, fills });
  // The step that closes at today's midnight, when the record began before it.
  const midnight = (Math.floor(now / DAY_MS) * DAY_MS - origin) / stepMs - 1;
  const dayStart = midnight >= 0 ? equity[midnight]! : input.initialEquity;
  return {
    from: input.start,
    to: now,
    stepMs,
    summary,
    pnl: { today: input.equity - dayStart, total: summary.pnl },
    method: {
      equity: `the equity stored with each ledger change (fills, funding), at the marks of that moment, sampled at the close of each ${stepMs} ms step from the trader's start; the last step's is the equity now`,
      ...METHOD,
    },
  };
}
