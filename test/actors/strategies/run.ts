import { expect } from 'vitest';
import { toFixed } from '../../../actors/trading/fixed.js';
import type { Candle } from '../../../actors/trading/market.js';
import { StrategyDriver } from '../../../actors/strategies/driver.js';
import type { Indicator, StrategyContext, StrategyDefinition, StrategySignal } from '../../../actors/strategies/strategy.js';

/** A signal and the index of the candle that gave it. */
export type Seen = StrategySignal & { at: number };

/** One-minute candles of `symbol`; each bar is a close, or `[high, low, close]` where the range matters. */
export function bars(symbol: string, values: readonly (number | string | readonly [number, number, number])[]): Candle[] {
  return values.map((value, i) => {
    const [high, low, close] = Array.isArray(value) ? value : [value, value, value];
    return {
      symbol,
      timeframe: '1m',
      ts: 1_700_000_000_000 + i * 60_000,
      open: toFixed(close, 'open'),
      high: toFixed(high, 'high'),
      low: toFixed(low, 'low'),
      close: toFixed(close, 'close'),
      volume: toFixed(1, 'volume'),
    };
  });
}

/** A trader that is always flat, for strategies that do not look at the position. */
const FLAT: StrategyContext = { position: () => 0n, mark: () => undefined };

/** Runs a definition as a trader does, resuming from `resume` (a driver's snapshot) when given. */
export function drive<P>(definition: StrategyDefinition<P>, params: unknown, resume?: unknown, context = FLAT): StrategyDriver {
  return new StrategyDriver(definition as StrategyDefinition, { params, source: 'test', resume, context });
}

/** Feeds `candles` to a fresh instance and collects the signals. */
export function run<P>(definition: StrategyDefinition<P>, params: unknown, candles: readonly Candle[]): Seen[] {
  return feed(drive(definition, params), candles, 0);
}

/** Asserts that a restart from the snapshot after any candle gives the same signals as an uninterrupted run. */
export function expectSameSignalsAfterAnyRestart<P>(definition: StrategyDefinition<P>, params: unknown, candles: readonly Candle[]): void {
  const uninterrupted = run(definition, params, candles);
  for (let split = 0; split <= candles.length; split++) {
    expect(runWithRestart(definition, params, candles, split), `restart at ${split}`).toEqual(uninterrupted);
  }
}

/**
 * Runs the first `split` candles, snapshots, sends the snapshot through structured clone (as a worker
 * restart does), resumes a new instance from it with the rest, and returns all the signals with their
 * indices in the whole series.
 */
function runWithRestart<P>(definition: StrategyDefinition<P>, params: unknown, candles: readonly Candle[], split: number): Seen[] {
  const first = drive(definition, params);
  const before = feed(first, candles.slice(0, split), 0);
  const resumed = drive(definition, params, structuredClone(first.snapshot()));
  return [...before, ...feed(resumed, candles.slice(split), split)];
}

function feed(driver: StrategyDriver, candles: readonly Candle[], offset: number): Seen[] {
  return candles.flatMap((candle, i) => {
    const { signals, malformed } = driver.onCandle(candle, FLAT);
    expect(malformed).toEqual([]);
    return signals.map((signal) => ({ ...signal, at: offset + i }));
  });
}

/** The indicators of each candle's symbol after each candle, as the trader's chart reads them, from a fresh instance or from `resume`. */
export function indicatorsAfter<P>(definition: StrategyDefinition<P>, params: unknown, candles: readonly Candle[], driver = drive(definition, params)): Indicator[][] {
  return candles.map((candle) => {
    driver.onCandle(candle, FLAT);
    return driver.indicators(candle.symbol);
  });
}

/** Asserts that a restart from the snapshot after any candle gives the same indicators as an uninterrupted run. */
export function expectSameIndicatorsAfterAnyRestart<P>(definition: StrategyDefinition<P>, params: unknown, candles: readonly Candle[]): void {
  const uninterrupted = indicatorsAfter(definition, params, candles);
  for (let split = 0; split <= candles.length; split++) {
    const first = drive(definition, params);
    const before = indicatorsAfter(definition, params, candles.slice(0, split), first);
    const resumed = drive(definition, params, structuredClone(first.snapshot()));
    expect([...before, ...indicatorsAfter(definition, params, candles.slice(split), resumed)], `restart at ${split}`).toEqual(uninterrupted);
  }
}

/** The first zod issue of parsing `params`: its path and message. */
export function paramsIssue(definition: StrategyDefinition<unknown>, params: unknown): { path: string; message: string } {
  const result = definition.params.safeParse(params);
  if (result.success) throw new Error(`params ${JSON.stringify(params)} were accepted`);
  const issue = result.error.issues[0]!;
  return { path: issue.path.join('.'), message: issue.message };
}
