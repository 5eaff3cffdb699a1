/** Stable codes of exchange failures; callers branch on `code`, and on `retryable`. */
export type ExchangeErrorCode =
  | 'ERR_INSUFFICIENT_FUNDS'
  | 'ERR_DUPLICATE_ORDER'
  | 'ERR_INVALID_ORDER'
  | 'ERR_ORDER_NOT_FOUND'
  | 'ERR_RATE_LIMITED'
  | 'ERR_EXCHANGE_DOWN'
  | 'ERR_AUTH_FAILED'
  | 'ERR_NETWORK'
  | 'ERR_BAD_RESPONSE'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_EXCHANGE';

/**
 * The one error class of `adapters/exchanges` (`toExchangeError` in `ccxt-errors.ts` makes one of
 * whatever ccxt threw; kept apart, so that what only names these errors does not load ccxt). Its message never carries a key or a signature, which
 * is why the ccxt error is not kept as its `cause` (a logger would print that one's message too).
 */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
  readonly code: ExchangeErrorCode;
  readonly exchange: string;

  constructor(code: ExchangeErrorCode, exchange: string, message: string) {
    super(message);
    this.code = code;
    this.exchange = exchange;
  }

  /** Worth trying again: the network, the exchange or its rate limit, never the order itself. */
  get retryable(): boolean {
    return this.code === 'ERR_NETWORK' || this.code === 'ERR_EXCHANGE_DOWN' || this.code === 'ERR_RATE_LIMITED';
  }
}
