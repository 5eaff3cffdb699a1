import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Window } from '../backtest/data.js';
import type { CandleSeries } from '../market-data/candle-series.js';
import { formatSweep, grid, parseSweep, runSweep } from '../backtest/sweep.js';
import { backtestConfig, loadMarkets, loadSeries } from '../backtest/data.js';
import { runBacktest } from '../backtest/kernel.js';
import { writeHtmlReport } from '../backtest/html.js';
import { buildReport, formatSummary, writeReport } from '../backtest/report.js';
import type { PlatformConfig } from '../config/schema.js';
import { TradingError } from '../../actors/trading/errors.js';
import { parseTimeOption } from './time.js';

export interface BacktestCommand {
  config: string;
  data: string;
  from?: string;
  to?: string;
  out: string;
  timeframe: string;
  slippageBps: number;
  /** `fast=5:20:5,slow=20:60:10`: run the grid instead of one backtest. */
  sweep?: string;
}

/**
 * `botv3 backtest`: every trader of a config over the recorded candles of the data folder, then the
 * summary on `print`, and `report.json` and `report.html` in `out`. Returns the JSON report's path.
 */
export async function backtest(command: BacktestCommand, print: (line: string) => void): Promise<string> {
  const { config, symbols } = await backtestConfig(command.config);
  const window = { ...(command.from ? { from: parseTimeOption(command.from, '--from') } : {}), ...(command.to ? { to: parseTimeOption(command.to, '--to') } : {}) };
  const series = await loadSeries(command.data, symbols, command.timeframe, window);
  // Read here for a sweep too, whose threads read them again: a malformed one stops it before it starts.
  const markets = await loadMarkets(command.data, symbols);
  if (command.sweep !== undefined) return sweep(command, config, window, series, print);
  const result = await runBacktest(config, { series, timeframe: command.timeframe, slippageBps: command.slippageBps, markets });
  const report = buildReport(result);
  print(formatSummary(report));
  const file = await writeReport(report, command.out);
  const html = await writeHtmlReport(result, report, series, command.out);
  print(`report: ${file}, ${html}`);
  return file;
}

/** `--sweep`: every combination in parallel, ranked; `sweep.json` in `out`. */
async function sweep(command: BacktestCommand, config: PlatformConfig, window: Window, series: Record<string, CandleSeries>, print: (line: string) => void): Promise<string> {
  const axes = parseSweep(command.sweep!);
  const unknown = axes.filter((axis) => !config.traders.some((t) => t.strategy && axis.name in (t.strategy.params as object)));
  if (unknown.length > 0) throw new TradingError('ERR_INVALID_CONFIG', `no trader's strategy has the param ${unknown.map((a) => a.name).join(', ')}`, { field: '--sweep' });
  const combos = grid(axes);
  const base = { config: resolve(command.config), data: resolve(command.data), window, timeframe: command.timeframe, slippageBps: command.slippageBps };
  const rows = await runSweep(
    combos.map((params) => ({ ...base, params })),
    { series },
  );
  print(formatSweep(rows));
  await mkdir(command.out, { recursive: true });
  const file = join(command.out, 'sweep.json');
  await writeFile(file, `${JSON.stringify(rows, null, 2)}\n`);
  print(`sweep: ${file}`);
  return file;
}
