import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { traderSymbols, type PlatformConfig } from '../config/schema.js';
import { resolveStrategies } from '../config/strategies.js';
import { TradingError } from '../../actors/trading/errors.js';
import { issueField } from '../../runtime/issues.js';
import { CandleColumns, SeriesBuilder, windowOf, type CandleSeries } from '../market-data/candle-series.js';
import { readColumns, writeColumns } from '../market-data/columns-cache.js';
import { streamCandlesCsv } from '../market-data/csv-candles.js';
import { paperMarketSpec, type PaperMarketSpec } from '../paper/markets.js';

/**
 * Where a symbol's candles of one timeframe live in a data folder: `DATA/BTC-USDT/1m.csv` (the symbol
 * with `/` and `:` as `-`, so a swap's `BTC/USDT:USDT` is `BTC-USDT-USDT`). `botv3 data download`
 * writes this layout.
 */
export function candlesFile(dataDir: string, symbol: string, timeframe: string): string {
  return join(symbolDir(dataDir, symbol), `${timeframe}.csv`);
}

/** Where a symbol's market (steps, minimums, fees) lives beside its candles: `DATA/ADA-USDT/market.json`. */
export function marketFile(dataDir: string, symbol: string): string {
  return join(symbolDir(dataDir, symbol), 'market.json');
}

const symbolDir = (dataDir: string, symbol: string) => join(dataDir, symbol.replace(/[/:]/g, '-'));

/**
 * The markets the data folder has for `symbols` (see `marketFile`; `botv3 data download` writes them),
 * by symbol; a symbol without one is left out.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` naming the file and the field of a market that is malformed.
 */
export async function loadMarkets(dataDir: string, symbols: readonly string[]): Promise<Record<string, PaperMarketSpec>> {
  const markets: Record<string, PaperMarketSpec> = {};
  for (const symbol of symbols) {
    const file = marketFile(dataDir, symbol);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new TradingError('ERR_INVALID_CONFIG', `${file}: not JSON (${(cause as Error).message})`, { field: 'data', cause });
    }
    const parsed = paperMarketSpec.safeParse(json);
    if (!parsed.success) {
      const { path, message } = issueField(parsed.error.issues[0]!);
      throw new TradingError('ERR_INVALID_CONFIG', `${file}: ${path.join('.') || 'market'}: ${message}`, { field: 'data' });
    }
    markets[symbol] = parsed.data;
  }
  return markets;
}

/** The time window of a run: `from` inclusive, `to` exclusive, in ms since the epoch. */
export interface Window {
  from?: number;
  to?: number;
}

/**
 * Reads the candles of `symbols` in `timeframe` from a data folder, cut to `window`, into columns
 * (see `CandleColumns`): a year of one-minute candles of a symbol takes about 25 MB. The first read of
 * a CSV leaves its columns beside it (see `readColumns`), which later reads take instead while the CSV
 * is unchanged.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` naming the file that is missing or malformed (and its line).
 */
export async function loadSeries(dataDir: string, symbols: readonly string[], timeframe: string, window: Window = {}): Promise<Record<string, CandleSeries>> {
  const series: Record<string, CandleSeries> = {};
  for (const symbol of symbols) {
    const file = candlesFile(dataDir, symbol, timeframe);
    let source: Stats;
    try {
      // Before the read: a CSV that changes while it is read leaves a copy that is already stale.
      source = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new TradingError('ERR_INVALID_CONFIG', `no ${timeframe} candles of ${symbol}: ${file} does not exist (botv3 data download fills the folder)`, { field: 'data' });
    }
    let candles: CandleSeries | undefined = await readColumns(file, source, symbol, timeframe);
    if (!candles) {
      const builder = new SeriesBuilder(symbol, timeframe);
      await streamCandlesCsv(file, { symbol, timeframe }, (candle) => builder.add(candle));
      candles = builder.done();
      if (candles instanceof CandleColumns) await writeColumns(file, source, candles.shared());
    }
    series[symbol] = windowOf(candles, window.from ?? -Infinity, window.to ?? Infinity);
  }
  return series;
}

/**
 * A config file as a backtest runs it: its strategy modules loaded (paths from the file's folder), and
 * every symbol its traders trade, whose candles the run reads.
 */
export async function backtestConfig(file: string): Promise<{ config: PlatformConfig; symbols: string[] }> {
  const config = loadConfig(file);
  await resolveStrategies(config, dirname(resolve(file)), file);
  return { config, symbols: [...new Set(config.traders.flatMap(traderSymbols))].sort() };
}
