import { fixedToNumber, mul, type Fixed } from '../../actors/trading/fixed.js';
import type { BacktestFill } from './kernel.js';

const DAY_MS = 86_400_000;
/** Crypto trades every day: returns are annualised over 365 days. */
const DAYS_PER_YEAR = 365;

/** A round trip: from a flat position in a symbol back to flat, with what it made after fees. */
export interface RoundTrip {
  symbol: string;
  entryTs: number;
  exitTs: number;
  pnl: Fixed;
}

/** The figures of a run, by name: what `report.json` and the terminal summary show. */
export interface Summary {
  initialEquity: Fixed;
  finalEquity: Fixed;
  pnl: Fixed;
  feesPaid: Fixed;
  /** Fractions (0.1 = 10 %); null where the run is too short to say. */
  totalReturn: number;
  cagr: number | null;
  maxDrawdown: number;
  sharpe: number | null;
  sortino: number | null;
  winRate: number | null;
  profitFactor: number | null;
  trades: number;
  fills: number;
  timeInMarket: number;
}

/** What the figures are computed from: equity after each step, at `times` (step closes, `stepMs` apart), and the fills. */
export interface Track {
  times: ArrayLike<number>;
  stepMs: number;
  equity: ArrayLike<Fixed>;
  /** Truthy where a position was open after the step. */
  inMarket: ArrayLike<boolean | number>;
  initialEquity: Fixed;
  fills: readonly BacktestFill[];
}

/**
 * The figures of one trader or of the portfolio. Sharpe and Sortino: daily returns (the equity at the
 * last step of each UTC day, the initial equity before the first), risk-free rate 0, annualised by
 * √365; Sharpe divides the mean by the sample standard deviation, Sortino by the downside deviation
 * (root mean square of the negative returns). CAGR needs at least a day. Win rate and profit factor
 * count round trips (flat to flat per symbol, fees included).
 */
export function summarize(track: Track): Summary {
  const { times, equity, initialEquity, fills } = track;
  const finalEquity = equity.length > 0 ? equity[equity.length - 1]! : initialEquity;
  const initial = fixedToNumber(initialEquity);
  const trips = roundTrips(fills);
  const wins = trips.filter((t) => t.pnl > 0n);
  const grossProfit = wins.reduce((sum, t) => sum + t.pnl, 0n);
  const grossLoss = trips.reduce((sum, t) => (t.pnl < 0n ? sum - t.pnl : sum), 0n);
  const days = dailyReturns(track);
  // From the first candle's open to the last one's close.
  const durationDays = times.length > 0 ? (times[times.length - 1]! - times[0]! + track.stepMs) / DAY_MS : 0;
  const totalReturn = initial > 0 ? fixedToNumber(finalEquity) / initial - 1 : 0;
  return {
    initialEquity,
    finalEquity,
    pnl: finalEquity - initialEquity,
    feesPaid: fills.reduce((sum, f) => sum + f.fee, 0n),
    totalReturn,
    cagr: durationDays >= 1 && initial > 0 ? (1 + totalReturn) ** (DAYS_PER_YEAR / durationDays) - 1 : null,
    maxDrawdown: maxDrawdown(equity, initialEquity),
    sharpe: ratio(days, deviation(days)),
    sortino: ratio(days, downside(days)),
    winRate: trips.length > 0 ? wins.length / trips.length : null,
    profitFactor: grossLoss > 0n ? fixedToNumber(grossProfit) / fixedToNumber(grossLoss) : null,
    trades: trips.length,
    fills: fills.length,
    timeInMarket: share(track.inMarket),
  };
}

/** Round trips from fills in time order, per symbol (long only: buys open, sells close). */
export function roundTrips(fills: readonly BacktestFill[]): RoundTrip[] {
  const open = new Map<string, { position: Fixed; cash: Fixed; entryTs: number }>();
  const trips: RoundTrip[] = [];
  for (const fill of fills) {
    const key = `${fill.traderId}\u0000${fill.symbol}`;
    const trip = open.get(key) ?? { position: 0n, cash: 0n, entryTs: fill.ts };
    const notional = mul(fill.price, fill.quantity);
    trip.position += fill.side === 'buy' ? fill.quantity : -fill.quantity;
    trip.cash += (fill.side === 'buy' ? -notional : notional) - fill.fee;
    if (trip.position === 0n) {
      trips.push({ symbol: fill.symbol, entryTs: trip.entryTs, exitTs: fill.ts, pnl: trip.cash });
      open.delete(key);
    } else open.set(key, trip);
  }
  return trips;
}

/** The largest fall from a peak, as a fraction of that peak. */
function maxDrawdown(equity: ArrayLike<Fixed>, initialEquity: Fixed): number {
  let peak = fixedToNumber(initialEquity);
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = fixedToNumber(equity[i]!);
    if (e > peak) peak = e;
    else if (peak > 0) worst = Math.max(worst, (peak - e) / peak);
  }
  return worst;
}

/** Whether step `i` is the last of its UTC day (or of the run). A step that closes at midnight is the day's last. */
export function lastOfDay(times: ArrayLike<number>, i: number): boolean {
  const day = (t: number) => Math.floor((t - 1) / DAY_MS);
  return i === times.length - 1 || day(times[i + 1]!) !== day(times[i]!);
}

function dailyReturns(track: Track): number[] {
  const returns: number[] = [];
  let previous = fixedToNumber(track.initialEquity);
  for (let i = 0; i < track.times.length; i++) {
    if (!lastOfDay(track.times, i)) continue;
    const e = fixedToNumber(track.equity[i]!);
    if (previous > 0) returns.push(e / previous - 1);
    previous = e;
  }
  return returns;
}

/** The share of steps that are truthy. */
function share(flags: ArrayLike<boolean | number>): number {
  let count = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) count++;
  return flags.length > 0 ? count / flags.length : 0;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function deviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

function downside(values: readonly number[]): number {
  return values.length === 0 ? 0 : Math.sqrt(values.reduce((sum, v) => sum + Math.min(v, 0) ** 2, 0) / values.length);
}

function ratio(returns: readonly number[], spread: number): number | null {
  return returns.length >= 2 && spread > 0 ? (mean(returns) / spread) * Math.sqrt(DAYS_PER_YEAR) : null;
}
