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

/** A last-trade price update. */
export interface Tick {
  symbol: string;
  ts: number;
  price: Fixed;
}

/**
 * One running strategy instance. It must be deterministic: the same candles give the same signals,
 * and `snapshot()` carries everything needed to resume after a trader restart.
 */
export interface Strategy {
  onCandle?(candle: Candle): StrategySignal[];
  onTick?(tick: Tick): StrategySignal[];
  /** Plain data (structured-cloneable); handed back to `create` after a restart. */
  snapshot(): unknown;
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
export interface StrategyDefinition<P = unknown> {
  readonly type: string;
  /** One-line description for `botv3 strategies` and the README. */
  readonly description: string;
  /** Strict (`z.strictObject`): an unknown param is a typo, refused rather than left to a default. */
  readonly params: z.ZodType<P>;
  create(params: P, snapshot: unknown): Strategy;
}

export function defineStrategy<P>(definition: StrategyDefinition<P>): StrategyDefinition<P> {
  return definition;
}
