import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sweepRun from '../adapters/backtest/sweep-worker.js';
import { loadSeries } from '../adapters/backtest/data.js';
import { grid, parseSweep, runSweep, type SweepTask } from '../adapters/backtest/sweep.js';
import { moduleUrl } from '../runtime/module-url.js';
import { wave, writeCandles } from '../test/helpers/candles.js';
import type { BacktestReading } from './backtest-child.js';
import { runChild } from './child.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** One year of one-minute candles. */
const YEAR = 525_600;

/**
 * Backtest suite: `sma_crossover` on one trader over a year of one-minute candles (50,000 with
 * `--quick`) in a fresh process, against a bare loop finding the same crosses over a `Float64Array`
 * of the closes in the same process, and that process's peak RSS. Then a sweep of 16 parameter sets
 * on a pool of two threads against the same 16 run one after another in this thread.
 */
export async function backtestSuite(options: SuiteOptions): Promise<Figure[]> {
  const candles = options.quick ? 50_000 : YEAR;
  options.progress(`backtest: sma_crossover over ${candles.toLocaleString('en-US')} 1m candles in a fresh process`);
  const data = writeCandles(wave(candles));
  let r: BacktestReading;
  try {
    r = await runChild<BacktestReading>(moduleUrl('./backtest-child', import.meta.url), [data], 'backtest', 600_000);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  options.progress(`backtest: read the CSV in ${(r.loadMs / 1000).toFixed(2)} s, ran in ${(r.runMs / 1000).toFixed(2)} s (${r.fills} fills); bare loop ${r.bareMs.toFixed(1)} ms (${r.crosses} crosses)`);
  const rate = (candles / r.runMs) * 1000;
  const bare = (candles / r.bareMs) * 1000;
  return [
    { suite: 'backtest', name: `candles/s, 1 trader, sma_crossover, ${candles.toLocaleString('en-US')} candles`, value: rate, unit: 'candles/s', goal: { kind: 'min', value: 1_000_000 } },
    { suite: 'backtest', name: 'backtest candles/s / bare crossover loop', value: rate / bare, unit: 'x', goal: { kind: 'min', value: 0.25 } },
    { suite: 'backtest', name: 'CSV candles read/s', value: (candles / r.loadMs) * 1000, unit: 'candles/s', better: 'higher' },
    { suite: 'backtest', name: `peak RSS, ${candles.toLocaleString('en-US')} candles`, value: r.maxRssBytes / 2 ** 20, unit: 'MiB', goal: { kind: 'max', value: 300 } },
    await sweepFigure(options),
  ];
}

/** 16 runs of sma_crossover (fast 4..10 by 2 x slow 20..50 by 10) on a pool of two threads, against one after another here. */
async function sweepFigure(options: SuiteOptions): Promise<Figure> {
  const candles = options.quick ? 10_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  try {
    const data = writeCandles(wave(candles), { dir: join(dir, 'data') });
    const config = join(dir, 'bot.yaml');
    writeFileSync(config, 'traders:\n  - id: sma\n    balances: { USDT: 100000 }\n    strategy: { name: sma_crossover, symbols: [BTC/USDT] }\n');
    const tasks: SweepTask[] = grid(parseSweep('fast=4:10:2,slow=20:50:10')).map((params) => ({ config, data, window: {}, timeframe: '1m', slippageBps: 0, params }));
    options.progress(`backtest: a sweep of ${tasks.length} runs over ${candles.toLocaleString('en-US')} candles, one after another, then on two threads`);
    // As `botv3 backtest --sweep` runs: the candles read once, then the runs.
    let started = performance.now();
    for (const task of tasks) await sweepRun(task);
    const sequentialMs = performance.now() - started;
    started = performance.now();
    await runSweep(tasks, { threads: 2, series: await loadSeries(data, ['BTC/USDT'], '1m') });
    const parallelMs = performance.now() - started;
    options.progress(`backtest: sweep ${(sequentialMs / 1000).toFixed(2)} s one after another, ${(parallelMs / 1000).toFixed(2)} s on two threads`);
    return { suite: 'backtest', name: 'sweep of 16 on 2 threads, speed-up over one after another', value: sequentialMs / parallelMs, unit: 'x', goal: { kind: 'min', value: 1.7 } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
