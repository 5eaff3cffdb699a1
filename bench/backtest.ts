import { moduleUrl } from '../runtime/module-url.js';
import type { BacktestReading } from './backtest-child.js';
import { runChild } from './child.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** One year of one-minute candles. */
const YEAR = 525_600;

/**
 * Backtest suite: `sma_crossover` on one trader over a year of one-minute candles (50,000 with
 * `--quick`) in a fresh process, against a bare loop finding the same crosses over a `Float64Array`
 * of the closes in the same process, and that process's peak RSS.
 */
export async function backtestSuite(options: SuiteOptions): Promise<Figure[]> {
  const candles = options.quick ? 50_000 : YEAR;
  options.progress(`backtest: sma_crossover over ${candles.toLocaleString('en-US')} 1m candles in a fresh process`);
  const r = await runChild<BacktestReading>(moduleUrl('./backtest-child', import.meta.url), [String(candles)], 'backtest', 600_000);
  options.progress(`backtest: read the CSV in ${(r.loadMs / 1000).toFixed(2)} s, ran in ${(r.runMs / 1000).toFixed(2)} s (${r.fills} fills); bare loop ${r.bareMs.toFixed(1)} ms (${r.crosses} crosses)`);
  const rate = (candles / r.runMs) * 1000;
  const bare = (candles / r.bareMs) * 1000;
  return [
    { suite: 'backtest', name: `candles/s, 1 trader, sma_crossover, ${candles.toLocaleString('en-US')} candles`, value: rate, unit: 'candles/s', goal: { kind: 'min', value: 1_000_000 } },
    { suite: 'backtest', name: 'backtest candles/s / bare crossover loop', value: rate / bare, unit: 'x', goal: { kind: 'min', value: 0.25 } },
    { suite: 'backtest', name: 'CSV candles read/s', value: (candles / r.loadMs) * 1000, unit: 'candles/s', better: 'higher' },
    { suite: 'backtest', name: `peak RSS, ${candles.toLocaleString('en-US')} candles`, value: r.maxRssBytes / 2 ** 20, unit: 'MiB', goal: { kind: 'max', value: 300 } },
  ];
}
