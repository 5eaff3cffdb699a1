import { appendFile, mkdir, open, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Exchange, OHLCV } from 'ccxt';
import { parseTimeframe } from '../../actors/trading/timeframe.js';
import { TradingError } from '../../actors/trading/errors.js';
import { fixedToString } from '../../actors/trading/fixed.js';
import type { Market } from '../../actors/trading/market.js';
import { candlesFile, marketFile } from '../backtest/data.js';
import { tradingMarket } from '../exchanges/markets.js';
import type { Progress } from '../cli/progress.js';

export interface DownloadOptions {
  client: Exchange;
  symbols: readonly string[];
  timeframe: string;
  /** ms since the epoch: `from` inclusive, `to` exclusive. */
  from: number;
  to: number;
  /** The data folder `botv3 backtest --data` reads. */
  dataDir: string;
  /** Candles asked per request; the exchange may send fewer. Default 1,000. */
  pageSize?: number;
  onProgress?: (progress: Progress) => void;
}

export interface Downloaded {
  symbol: string;
  file: string;
  /** Candles written by this run (a resumed file keeps what it had). */
  written: number;
}

const HEADER = 'ts,open,high,low,close,volume\n';

/**
 * Fills the data folder with each symbol's market (`market.json`: the steps, minimums and fees a
 * backtest trades by) and its candles through ccxt's `fetchOHLCV`, a page at a time from the last
 * candle each file holds (or `from`): every page is appended as it comes, so an interrupted download
 * goes on from where it stopped, and a finished one asks for nothing it has. Candles outside
 * [from, to) and any not after the file's last one are left out.
 */
export async function downloadCandles(options: DownloadOptions): Promise<Downloaded[]> {
  const step = parseTimeframe(options.timeframe);
  const total = Math.max(0, Math.ceil((options.to - options.from) / step));
  const out: Downloaded[] = [];
  const listings = await options.client.loadMarkets();
  // Every symbol checked before anything is written.
  const markets = options.symbols.map((symbol) => {
    const listing = listings[symbol];
    if (!listing) throw new TradingError('ERR_INVALID_CONFIG', `${symbol} is not listed on ${options.client.id}`, { field: '--symbols' });
    return tradingMarket(options.client.id, listing);
  });
  for (const [i, symbol] of options.symbols.entries()) {
    const file = candlesFile(options.dataDir, symbol, options.timeframe);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(marketFile(options.dataDir, symbol), `${JSON.stringify(marketJson(markets[i]!), null, 2)}\n`);
    const tail = await readTail(file);
    if (!tail) await appendFile(file, HEADER);
    let last = tail?.last;
    let written = 0;
    const done = () => Math.min(total, Math.max(0, Math.ceil(((last ?? options.from - step) + step - options.from) / step)));
    options.onProgress?.({ label: symbol, done: done(), total });
    for (;;) {
      const since = Math.max(options.from, last === undefined ? options.from : last + step);
      if (since >= options.to) break;
      const page: OHLCV[] = await options.client.fetchOHLCV(symbol, options.timeframe, since, options.pageSize ?? 1_000);
      const fresh = page.filter((c) => c[0] !== undefined && c[0] >= since && c[0] < options.to && (last === undefined || c[0] > last));
      if (fresh.length === 0) break;
      await appendFile(file, fresh.map((c) => `${c.join(',')}\n`).join(''));
      written += fresh.length;
      last = fresh.at(-1)![0]!;
      options.onProgress?.({ label: symbol, done: done(), total });
    }
    out.push({ symbol, file, written });
  }
  return out;
}

/** A market as `market.json` keeps it (see `loadMarkets`): amounts as exact decimal text. */
function marketJson(market: Market): Record<string, string> {
  const { priceStep, amountStep, minAmount, minNotional, makerFee, takerFee } = market;
  return Object.fromEntries(Object.entries({ priceStep, amountStep, minAmount, minNotional, makerFee, takerFee }).map(([name, value]) => [name, fixedToString(value)]));
}

/** The `ts` of a candle file's last row, reading only its tail; undefined when there is no file. */
async function readTail(file: string): Promise<{ last?: number } | undefined> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4_096);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const ts = Number(buffer.toString('utf8').trimEnd().split('\n').at(-1)?.split(',')[0]);
    // The header's `ts` is not a number: a file with no row yet.
    return Number.isFinite(ts) ? { last: ts } : {};
  } finally {
    await handle.close();
  }
}
