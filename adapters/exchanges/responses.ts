import type { Order as CcxtOrder, OHLCV, Ticker } from 'ccxt';
import { ExchangeError } from './errors.js';

/**
 * Checks of what ccxt parsed, where the adapter relies on it. Most exchanges' parsers throw on a body
 * they cannot read, but some (Bitget) read a truncated body as an answer with empty fields: that is
 * an unreadable response, `ERR_BAD_RESPONSE`, never a ticker without a price or an order without an id.
 */
export function checkTicker(exchange: string, ticker: Ticker): Ticker {
  if (!Number.isFinite(ticker.last)) throw bad(exchange, `ticker of ${ticker.symbol} has no last price`);
  return ticker;
}

export function checkOrder(exchange: string, order: CcxtOrder): CcxtOrder {
  if (typeof order.id !== 'string' || order.id === '') throw bad(exchange, 'order answer has no order id');
  if (order.filled !== undefined && !(order.filled >= 0)) throw bad(exchange, `order ${order.id}: filled is ${order.filled}`);
  return order;
}

export function checkCandles(exchange: string, rows: OHLCV[]): OHLCV[] {
  for (const row of rows) {
    if (!Array.isArray(row) || row.length < 5 || row.slice(0, 5).some((v) => !Number.isFinite(v))) throw bad(exchange, `candle ${JSON.stringify(row)} is not [time, open, high, low, close, volume]`);
  }
  return rows;
}

function bad(exchange: string, message: string): ExchangeError {
  return new ExchangeError('ERR_BAD_RESPONSE', exchange, `${exchange}: ${message}`);
}
