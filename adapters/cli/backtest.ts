import { dirname, resolve } from 'node:path';
import { loadSeries } from '../backtest/data.js';
import { runBacktest } from '../backtest/kernel.js';
import { writeHtmlReport } from '../backtest/html.js';
import { buildReport, formatSummary, writeReport } from '../backtest/report.js';
import { loadConfig } from '../config/load.js';
import { resolveStrategies } from '../config/strategies.js';
import { traderSymbols } from '../config/schema.js';
import { TradingError } from '../../actors/trading/errors.js';

export interface BacktestCommand {
  config: string;
  data: string;
  from?: string;
  to?: string;
  out: string;
  timeframe: string;
  slippageBps: number;
}

/**
 * `botv3 backtest`: every trader of a config over the recorded candles of the data folder, then the
 * summary on `print`, and `report.json` and `report.html` in `out`. Returns the JSON report's path.
 */
export async function backtest(command: BacktestCommand, print: (line: string) => void): Promise<string> {
  const config = loadConfig(command.config);
  await resolveStrategies(config, dirname(resolve(command.config)), command.config);
  const symbols = [...new Set(config.traders.flatMap(traderSymbols))].sort();
  const window = { ...(command.from ? { from: time(command.from, '--from') } : {}), ...(command.to ? { to: time(command.to, '--to') } : {}) };
  const series = await loadSeries(command.data, symbols, command.timeframe, window);
  const result = await runBacktest(config, { series, timeframe: command.timeframe, slippageBps: command.slippageBps });
  const report = buildReport(result);
  print(formatSummary(report));
  const file = await writeReport(report, command.out);
  const html = await writeHtmlReport(result, report, series, command.out);
  print(`report: ${file}, ${html}`);
  return file;
}

/** A time option: ms since the epoch, or an ISO 8601 date (UTC when it has no offset). */
function time(value: string, option: string): number {
  const ts = /^\d+$/.test(value) ? Number(value) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`);
  if (!Number.isFinite(ts)) throw new TradingError('ERR_INVALID_CONFIG', `${value} is not a time: ms since the epoch or an ISO date such as 2025-01-01`, { field: option });
  return ts;
}
