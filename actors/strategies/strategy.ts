import type { z } from 'zod';
import type { Fixed } from '../trading/fixed.js';
import type { Candle } from '../trading/market.js';

/** A trade idea produced by a strategy; the trader turns it into a full signal (id, strategy, ts). */
export interface StrategySignal {
  symbol: string;
  action: 'BUY' | 'SELL' | 'CLOSE';
  /** Limit price; a market order when absent. */
  price?: Fixed;
  /** Absent: the trader sizes the order from its risk parameters. */
  quantity?: Fixed;
  /** Why, in a few words (shown in events and to the AI reviewer). */
  reason: string;
}

/**
 * One of a strategy's indicators at a closed candle, as a chart draws it: a line over the candles (a
 * moving average, a channel) or, for an oscillator such as the RSI, in a pane of its own.
 */
export interface Indicator {
  /** The line's label, the same from candle to candle (`SMA10`, `RSI14`). */
  name: string;
  value: number;
  /** `price` (the default): on the price scale, over the candles; `own`: on a scale of its own. */
  pane?: 'price' | 'own';
}

/** A last-trade price update. */
export interface Tick {
  symbol: string;
  ts: number;
  price: Fixed;
}

/** What a strategy sees of its trader besides the candle: read-only, as of the candle's close. */
export interface StrategyContext {
  /** The trader's position in `symbol`, in base units (0n when flat). */
  position(symbol: string): Fixed;
  /** The last price seen for `symbol`, when one was. */
  mark(symbol: string): Fixed | undefined;
}

/**
 * One running strategy instance. It must be deterministic: the same candles give the same signals.
 * It resumes after a trader restart in one of two ways: from `snapshot()` (plain data handed back to
 * `create`), or, without one, by being fed again the last `warmup` closed candles of each symbol,
 * which the trader keeps for it (the signals of that replay are dropped).
 */
export interface Strategy {
  /** Called on each closed candle of the strategy's timeframe; returns its signals (none: `[]` or nothing). */
  onCandle?(candle: Candle, context: StrategyContext): StrategySignal[] | void;
  onTick?(tick: Tick): StrategySignal[];
  /** Plain data (structured-cloneable); handed back to `create` after a restart. */
  snapshot?(): unknown;
  /**
   * Its indicators of `symbol` as of the last closed candle, for the trader's chart (`GET
   * /traders/:id/candles`); those still warming up are left out. Read after each candle, never to trade.
   */
  indicators?(symbol: string): Indicator[];
}

/**
 * A strategy type: the schema of its `params` and a factory.
 *
 * @example
 * ```ts
 * export const myStrategy = defineStrategy({
 *   type: 'my_strategy',
 *   params: z.strictObject({ period: z.number().int().positive().default(14) }),
 *   create(params, snapshot) { ... return { onCandle(c) { return [] }, snapshot: () => state } },
 * });
 * ```
 */
export interface StrategyDefinition<P = unknown, S extends Strategy = Strategy> {
  readonly type: string;
  /** One-line description for `botv3 strategies` and the README. */
  readonly description: string;
  /** Strict (`z.strictObject`): an unknown param is a typo, refused rather than left to a default. */
  readonly params: z.ZodType<P>;
  /**
   * Closed candles per symbol a fresh instance needs before it can signal (the longest indicator
   * period). A strategy without `snapshot()` is resumed by replaying this many. Default 0.
   */
  warmup?(params: P): number;
  /**
   * Timeframes besides the trader's own `timeframe` whose closed candles the strategy also gets, each
   * built from the exchange's candles (`candle.timeframe` tells them apart; shorter ones come first).
   */
  timeframes?: readonly string[];
  /**
   * Set by `botv3 migrate strategies` on a v2 strategy whose logic is still to be written: what is
   * missing. `botv3 check` reports the module until the line is deleted.
   */
  notPorted?: string;
  create(params: P, snapshot: unknown): S;
}

export function defineStrategy<P, S extends Strategy>(definition: StrategyDefinition<P, S>): StrategyDefinition<P, S> {
  return definition;
}
