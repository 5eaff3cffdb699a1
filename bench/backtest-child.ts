import { loadSeries } from '../adapters/backtest/data.js';
import { runBacktest } from '../adapters/backtest/kernel.js';
import { parseConfig } from '../adapters/config/load.js';
import { fixedToNumber } from '../actors/trading/fixed.js';
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
 * One backtest in a fresh process: `sma_crossover` (10/30) on one trader over the one-minute candles
 * of the data folder it is given, read as `botv3 backtest` reads them; then the bare loop; then the
 * process's peak RSS, which is the backtest's alone (the parent wrote the data).
 */
const dir = process.argv[2]!;
let started = performance.now();
const series = await loadSeries(dir, ['BTC/USDT'], '1m');
const loadMs = performance.now() - started;
const candles = series['BTC/USDT']!.length;
const config = parseConfig({ traders: [{ id: 'sma', balances: { USDT: 100_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: FAST, slow: SLOW } } }] });
started = performance.now();
const result = await runBacktest(config, { series, timeframe: '1m' });
const runMs = performance.now() - started;
const btc = series['BTC/USDT']!;
const closes = Float64Array.from({ length: btc.length }, (_, i) => fixedToNumber(btc.at(i)!.close));
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
