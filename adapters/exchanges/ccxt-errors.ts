import ccxt from 'ccxt';
import { ExchangeError, type ExchangeErrorCode } from './errors.js';

/** Most specific first: ccxt's classes inherit from each other (RateLimitExceeded is a NetworkError). */
const MAPPING: [new (...args: never[]) => Error, ExchangeErrorCode][] = [
  [ccxt.InsufficientFunds, 'ERR_INSUFFICIENT_FUNDS'],
  [ccxt.DuplicateOrderId, 'ERR_DUPLICATE_ORDER'],
  [ccxt.OrderNotFound, 'ERR_ORDER_NOT_FOUND'],
  [ccxt.InvalidOrder, 'ERR_INVALID_ORDER'],
  [ccxt.AuthenticationError, 'ERR_AUTH_FAILED'],
  [ccxt.PermissionDenied, 'ERR_AUTH_FAILED'],
  [ccxt.AccountSuspended, 'ERR_AUTH_FAILED'],
  [ccxt.RateLimitExceeded, 'ERR_RATE_LIMITED'],
  [ccxt.DDoSProtection, 'ERR_RATE_LIMITED'],
  [ccxt.ExchangeNotAvailable, 'ERR_EXCHANGE_DOWN'],
  [ccxt.OnMaintenance, 'ERR_EXCHANGE_DOWN'],
  [ccxt.RequestTimeout, 'ERR_NETWORK'],
  [ccxt.NetworkError, 'ERR_NETWORK'],
  [ccxt.BadResponse, 'ERR_BAD_RESPONSE'],
  [ccxt.NullResponse, 'ERR_BAD_RESPONSE'],
  [ccxt.BadRequest, 'ERR_INVALID_ORDER'],
];

/**
 * The platform's error for whatever a ccxt call threw. ccxt's messages quote the request URL, and
 * some exchanges (HTX) sign in the query string: the account's `secrets` and any signature are masked.
 */
export function toExchangeError(error: unknown, exchange: string, secrets: readonly string[] = []): ExchangeError {
  if (error instanceof ExchangeError) return error;
  // ccxt classifies what it understood; anything else thrown from inside it (a TypeError parsing a
  // truncated body) means the exchange answered something unreadable.
  const code = error instanceof ccxt.BaseError ? (MAPPING.find(([Class]) => error instanceof Class)?.[1] ?? 'ERR_EXCHANGE') : 'ERR_BAD_RESPONSE';
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) if (secret) message = message.split(secret).join('***');
  message = message.replace(/((?:signature|sign|accesskeyid)=)[^&\s"]+/gi, '$1***');
  return new ExchangeError(code, exchange, message);
}
