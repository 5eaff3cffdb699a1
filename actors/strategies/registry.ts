import { breakout } from './breakout.js';
import { grid } from './grid.js';
import { rsiReversion } from './rsi-reversion.js';
import { smaCrossover } from './sma-crossover.js';
import type { StrategyDefinition } from './strategy.js';

const definitions: StrategyDefinition[] = [smaCrossover, rsiReversion, grid, breakout];

/**
 * Every built-in strategy by type. No prototype, so a type read from a config file such as
 * `"constructor"` finds nothing rather than `Object`.
 */
export const STRATEGIES: Readonly<Record<string, StrategyDefinition>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, StrategyDefinition>, Object.fromEntries(definitions.map((d) => [d.type, d]))),
);

/** The built-in strategy types, in a stable order. */
export function strategyTypes(): string[] {
  return definitions.map((d) => d.type);
}

/** v2 named strategy instances after their kind (`sma_cross`, `grid_btc`); the prefix gives the type. */
const V2_PREFIXES: ReadonlyArray<readonly [prefix: string, type: string]> = [
  ['sma', smaCrossover.type],
  ['rsi', rsiReversion.type],
  ['grid', grid.type],
  ['breakout', breakout.type],
];

/**
 * The strategy type of an instance name: a type name gives itself, a v2 name such as `sma_cross`,
 * `rsi_revert`, `grid_btc` or `breakout_eth` the type its prefix names. The prefix must end the name
 * or be followed by a non-letter, so `smart_money` is not taken for an SMA. Undefined when none fits.
 */
export function inferStrategyType(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  if (Object.hasOwn(STRATEGIES, lower)) return lower;
  return V2_PREFIXES.find(([prefix]) => lower.startsWith(prefix) && !/^[a-z]/.test(lower.slice(prefix.length)))?.[1];
}
