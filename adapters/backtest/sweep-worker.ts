import { workerData } from 'piscina';
import { TradingError } from '../../actors/trading/errors.js';
import type { Candle } from '../../actors/trading/market.js';
import { receiveSeries, type CandleSeries, type SharedColumns } from '../market-data/candle-series.js';
import { backtestConfig, loadMarkets, loadSeries } from './data.js';
import { runBacktest } from './kernel.js';
import { buildReport } from './report.js';
import type { PaperMarketSpec } from '../paper/markets.js';
import type { SweepRow, SweepTask } from './sweep.js';

/** The candles the pool was started with, when the caller read them (see `runSweep`). */
const shared = (workerData as { series?: Record<string, SharedColumns | Candle[]> } | undefined)?.series;
const given = shared && Object.fromEntries(Object.entries(shared).map(([symbol, candles]) => [symbol, receiveSeries(candles)]));

/** Candles and markets this thread read, by what it read: each run of a sweep reuses them. */
const cache = new Map<string, Promise<{ series: Record<string, CandleSeries>; markets: Record<string, PaperMarketSpec> }>>();

/**
 * One run of a sweep (a piscina task): the command's config with the swept params set on each trader
 * whose strategy has them, over the data this thread read once. Params the strategy refuses (its schema
 * checks them as it starts) make a refused run, not a failed sweep.
 */
export default async function sweepRun(task: SweepTask): Promise<SweepRow> {
  const { config, symbols } = await backtestConfig(task.config);
  for (const trader of config.traders) {
    const params = trader.strategy?.params as Record<string, unknown> | undefined;
    if (params) for (const [name, value] of Object.entries(task.params)) if (name in params) params[name] = value;
  }
  const key = JSON.stringify([task.data, symbols, task.timeframe, task.window]);
  let read = cache.get(key);
  if (!read) {
    const series = given ? Promise.resolve(given) : loadSeries(task.data, symbols, task.timeframe, task.window);
    cache.set(key, (read = Promise.all([series, loadMarkets(task.data, symbols)]).then(([series, markets]) => ({ series, markets }))));
  }
  try {
    const { series, markets } = await read;
    const result = await runBacktest(config, { series, timeframe: task.timeframe, slippageBps: task.slippageBps, markets });
    return { params: task.params, summary: buildReport(result).portfolio.summary };
  } catch (error) {
    if (error instanceof TradingError && error.code === 'ERR_INVALID_CONFIG') return { params: task.params, error: error.message };
    throw error;
  }
}
