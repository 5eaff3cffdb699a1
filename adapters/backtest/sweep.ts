import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { TradingError } from '../../actors/trading/errors.js';
import { moduleUrl } from '../../runtime/module-url.js';
import { shareSeries, type CandleSeries } from '../market-data/candle-series.js';
import type { Window } from './data.js';
import { alignColumns, SUMMARY_COLUMNS, summaryCells, type ReportSummary } from './report.js';

/** One parameter of a sweep and the values it takes. */
export interface SweepAxis {
  name: string;
  values: number[];
}

/** One backtest of a sweep: the config and data of the command, with `params` set on every trader's strategy. */
export interface SweepTask {
  config: string;
  data: string;
  window: Window;
  timeframe: string;
  slippageBps: number;
  params: Record<string, number>;
}

export interface SweepRow {
  params: Record<string, number>;
  /** The portfolio's figures; absent when the strategy refused these params. */
  summary?: ReportSummary;
  /** Why the run did not happen (`fast must be less than slow`). */
  error?: string;
}

const MAX_RUNS = 10_000;

/**
 * Parses `fast=5:20:5,slow=20:60:10`: each parameter from start to end (inclusive) by step.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` (field `--sweep`) naming the part that is wrong.
 */
export function parseSweep(text: string): SweepAxis[] {
  const axes = text.split(',').map((part): SweepAxis => {
    const match = /^\s*([A-Za-z_][\w]*)\s*=\s*(-?[\d.]+):(-?[\d.]+):([\d.]+)\s*$/.exec(part);
    const [start, end, step] = match ? [Number(match[2]), Number(match[3]), Number(match[4])] : [NaN, NaN, NaN];
    if (!match || ![start, end, step].every(Number.isFinite) || step <= 0 || end < start) {
      throw new TradingError('ERR_INVALID_CONFIG', `"${part}" is not NAME=START:END:STEP with START <= END and STEP > 0`, { field: '--sweep' });
    }
    const values: number[] = [];
    // Counted in steps, not summed, so 0.1 steps do not drift.
    for (let i = 0; start + i * step <= end + step * 1e-9; i++) values.push(Number((start + i * step).toPrecision(12)));
    return { name: match[1]!, values };
  });
  const names = axes.map((a) => a.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new TradingError('ERR_INVALID_CONFIG', `${twice} is swept twice`, { field: '--sweep' });
  const runs = axes.reduce((n, a) => n * a.values.length, 1);
  if (runs > MAX_RUNS) throw new TradingError('ERR_INVALID_CONFIG', `${runs} combinations; at most ${MAX_RUNS}`, { field: '--sweep' });
  return axes;
}

/** Every combination of the axes, the first axis slowest. */
export function grid(axes: readonly SweepAxis[]): Record<string, number>[] {
  return axes.reduce<Record<string, number>[]>((combos, axis) => combos.flatMap((combo) => axis.values.map((value) => ({ ...combo, [axis.name]: value }))), [{}]);
}

/**
 * Runs the tasks on a pool of worker threads (piscina: each run is stateless work on the same data),
 * one per core by default, and ranks them: best total return first, then by Sharpe; ties keep the
 * grid's order. With `series` (the tasks' candles, read by the caller), no thread reads the data
 * folder; without, each reads it once.
 */
export async function runSweep(tasks: readonly SweepTask[], options: { threads?: number; series?: Record<string, CandleSeries> } = {}): Promise<SweepRow[]> {
  const threads = options.threads ?? availableParallelism();
  // The candles read once here go to each thread as it starts: columns by reference to their shared memory.
  const pool = new Piscina<SweepTask, SweepRow>({
    filename: moduleUrl('./sweep-worker', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    ...(options.series ? { workerData: { series: Object.fromEntries(Object.entries(options.series).map(([symbol, candles]) => [symbol, shareSeries(candles)])) } } : {}),
  });
  try {
    return rank(await Promise.all(tasks.map((task) => pool.run(task))));
  } finally {
    await pool.destroy();
  }
}

/** Runs that happened first, best first; refused ones last, in grid order. */
export function rank(rows: readonly SweepRow[]): SweepRow[] {
  const value = (x: string | number | null | undefined) => (typeof x === 'number' ? x : -Infinity);
  const ran = (row: SweepRow) => (row.summary ? 0 : 1);
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => ran(a.row) - ran(b.row) || value(b.row.summary?.totalReturn) - value(a.row.summary?.totalReturn) || value(b.row.summary?.sharpe) - value(a.row.summary?.sharpe) || a.i - b.i)
    .map(({ row }) => row);
}

/** The ranked table: the parameters, then the portfolio's figures; then the combinations refused, and why. */
export function formatSweep(rows: readonly SweepRow[]): string {
  const names = Object.keys(rows[0]?.params ?? {});
  const ran = rows.filter((row) => row.summary);
  const table = [['#', ...names, ...SUMMARY_COLUMNS], ...ran.map((row, i) => [String(i + 1), ...names.map((n) => String(row.params[n])), ...summaryCells(row.summary!)])];
  const refused = rows.filter((row) => row.error).map((row) => `refused ${names.map((n) => `${n}=${row.params[n]}`).join(',')}: ${row.error}`);
  return [...alignColumns(table, 0), ...refused].join('\n');
}
