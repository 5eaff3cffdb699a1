import { rmSync } from 'node:fs';
import { loadSeries } from '../adapters/backtest/data.js';
import { runBacktest } from '../adapters/backtest/kernel.js';
import { parseConfig } from '../adapters/config/load.js';
import { fixedToNumber } from '../actors/trading/fixed.js';
import { wave, writeCandles } from '../test/helpers/candles.js';
import { printReading } from './child.js';

/** What the backtest suite's child measured. */
export interface BacktestReading {
  candles: number;
  loadMs: number;
  runMs: number;
  /** The same crossover computed by a bare loop over the closes in a Float64Array. */
  bareMs: number;
  fills: number;
  /** Crosses the bare loop found, to check it did the strategy's work. */
  crosses: number;
  maxRssBytes: number;
}

const FAST = 10;
const SLOW = 30;

/**
 * One backtest in a fresh process: `sma_crossover` (10/30) on one trader over N one-minute candles
 * written as CSV and read back as `botv3 backtest` reads them; then the bare loop; then the process's
 * peak RSS.
 */
const candles = Number(process.argv[2]);
const dir = writeCandles(wave(candles));
let started = performance.now();
const series = await loadSeries(dir, ['BTC/USDT'], '1m');
const loadMs = performance.now() - started;
rmSync(dir, { recursive: true, force: true });
const config = parseConfig({ traders: [{ id: 'sma', balances: { USDT: 100_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: FAST, slow: SLOW } } }] });
started = performance.now();
const result = await runBacktest(config, { series, timeframe: '1m' });
const runMs = performance.now() - started;
const closes = Float64Array.from(series['BTC/USDT']!, (c) => fixedToNumber(c.close));
started = performance.now();
const crosses = bareCrossover(closes);
const bareMs = performance.now() - started;
printReading({ candles, loadMs, runMs, bareMs, fills: result.traders[0]!.fills.length, crosses, maxRssBytes: process.resourceUsage().maxRSS * 1024 } satisfies BacktestReading);

/** The crossover with running sums: the least a loop can do to find the same crosses. */
function bareCrossover(values: Float64Array): number {
  let fastSum = 0;
  let slowSum = 0;
  let side = 0;
  let crosses = 0;
  for (let i = 0; i < values.length; i++) {
    fastSum += values[i]! - (i >= FAST ? values[i - FAST]! : 0);
    slowSum += values[i]! - (i >= SLOW ? values[i - SLOW]! : 0);
    if (i < SLOW - 1) continue;
    const diff = fastSum / FAST - slowSum / SLOW;
    const now = diff > 0 ? 1 : diff < 0 ? -1 : 0;
    if (now !== 0 && side !== 0 && now !== side) crosses++;
    if (now !== 0) side = now;
  }
  return crosses;
}
