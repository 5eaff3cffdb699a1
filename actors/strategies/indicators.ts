import { z } from 'zod';
import { TradingError } from '../trading/errors.js';
import { fixedToNumber, type Fixed } from '../trading/fixed.js';
import type { Candle } from '../trading/market.js';
import type { Indicator, Strategy, StrategySignal } from './strategy.js';

/*
 * What the built-in strategies share: one state per symbol, in plain data so that a strategy's
 * `snapshot()` can hand it out as is and `create(params, snapshot)` can resume from it exactly.
 *
 * Their indicators come from `trading-signals`, rebuilt from the inputs the state keeps, except
 * Wilder's RSI below: its smoothed averages remember every close, and the library keeps them private,
 * so a restarted RSI from the library could only be warmed up again approximately. Its state is
 * updated in place.
 */

/**
 * Wilder's RSI. Float64 is acceptable here because the RSI only decides, it never accounts; it stays
 * deterministic because only `+ - * /` are used and the price changes are taken exactly in Fixed first.
 */
export interface RsiState {
  period: number;
  /** The previous close; absent before the first. */
  prevClose?: Fixed;
  /** Price changes seen, counted up to `period` (the seed). */
  changes: number;
  /** Sum of the gains while seeding, then Wilder's smoothed average gain. */
  gain: number;
  /** Sum of the losses (positive) while seeding, then Wilder's smoothed average loss. */
  loss: number;
}

/** Schema of an {@link RsiState} of `period`; refuses a snapshot of another period. */
export function rsiSchema(period: number) {
  return z.object({
    period: z.literal(period, { error: `snapshot was taken with an RSI period other than ${period}` }),
    prevClose: z.bigint().optional(),
    changes: z.number().int().min(0).max(period),
    gain: z.number().nonnegative(),
    loss: z.number().nonnegative(),
  });
}

/** An RSI of `period`, no close seen yet. */
export function emptyRsi(period: number): RsiState {
  return { period, changes: 0, gain: 0, loss: 0 };
}

/**
 * Adds a close; returns the RSI (0..100) once `period` changes have been seen, else undefined. The
 * first value is seeded with the plain average of the first `period` gains and losses, as Wilder did.
 * A series that never moved gives 50 and one that only rose gives 100.
 */
export function rsiPush(rsi: RsiState, close: Fixed): number | undefined {
  const prev = rsi.prevClose;
  rsi.prevClose = close;
  if (prev === undefined) return undefined;
  const change = fixedToNumber(close - prev);
  const gain = change > 0 ? change : 0;
  const loss = change < 0 ? -change : 0;
  if (rsi.changes < rsi.period) {
    rsi.gain += gain;
    rsi.loss += loss;
    rsi.changes++;
    if (rsi.changes < rsi.period) return undefined;
    rsi.gain /= rsi.period;
    rsi.loss /= rsi.period;
  } else {
    rsi.gain = (rsi.gain * (rsi.period - 1) + gain) / rsi.period;
    rsi.loss = (rsi.loss * (rsi.period - 1) + loss) / rsi.period;
  }
  return rsiValue(rsi);
}

/** The RSI as of the last close added, or undefined before `period` changes have been seen. */
export function rsiValue(rsi: RsiState): number | undefined {
  if (rsi.changes < rsi.period) return undefined;
  if (rsi.loss === 0) return rsi.gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + rsi.gain / rsi.loss);
}

/** What a candle that gives no signal returns: one frozen array, not a new one per candle. */
export const NO_SIGNALS: StrategySignal[] = Object.freeze([]) as unknown as StrategySignal[];

/** A strategy built by {@link perSymbolStrategy}: it always signals through its return value and always has a snapshot. */
export interface SymbolStrategy extends Strategy {
  onCandle(candle: Candle): StrategySignal[];
  snapshot(): unknown;
  indicators(symbol: string): Indicator[];
}

/** How a strategy keeps one independent state per symbol. */
export interface PerSymbolSpec<S> {
  /** Schema of one symbol's state, used to check a snapshot before resuming from it. */
  state: z.ZodType<S>;
  /** The `snapshot` given to `create`: a previous `snapshot()`, or undefined/null for a fresh start. */
  snapshot: unknown;
  /** The state of a symbol on its first candle (which is then passed to `onCandle`). */
  init(candle: Candle): S;
  /** Advances a symbol's state by one candle, in place, and returns the signals it gives. */
  onCandle(state: S, candle: Candle): StrategySignal[];
  /** The indicators of a symbol's state (see `Strategy.indicators`); none when absent. */
  indicators?(state: S, symbol: string): Indicator[];
}

/**
 * A {@link Strategy} whose candles of each symbol drive their own state, so a strategy fed several
 * symbols never mixes their prices. Its snapshot is a record from symbol to that state.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` (field `snapshot`) when the snapshot does not fit the
 * schema, e.g. it was taken with other params: resuming from it would give wrong signals.
 */
export function perSymbolStrategy<S>(spec: PerSymbolSpec<S>): SymbolStrategy {
  const states = new Map<string, S>(Object.entries(parseSnapshot(spec.state, spec.snapshot)));
  return {
    onCandle(candle) {
      let state = states.get(candle.symbol);
      if (state === undefined) {
        state = spec.init(candle);
        states.set(candle.symbol, state);
      }
      return spec.onCandle(state, candle);
    },
    // A copy: the caller may keep or send it while this instance goes on mutating its states.
    snapshot: () => structuredClone(Object.fromEntries(states)),
    indicators(symbol) {
      const state = states.get(symbol);
      return state === undefined || !spec.indicators ? [] : spec.indicators(state, symbol);
    },
  };
}

function parseSnapshot<S>(schema: z.ZodType<S>, snapshot: unknown): Record<string, S> {
  if (snapshot === undefined || snapshot === null) return {};
  const parsed = z.record(z.string(), schema).safeParse(snapshot);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new TradingError('ERR_INVALID_CONFIG', `cannot resume, ${where}${issue.message}`, { field: 'snapshot' });
}
