/**
 * Stable error codes of the trading core. Callers branch on `code`; the message names the field or
 * the order that was wrong.
 */
export const TRADING_ERROR_CODES = [
  'ERR_INVALID_DECIMAL',
  'ERR_INVALID_SIGNAL',
  'ERR_INVALID_CONFIG',
  'ERR_ILLEGAL_TRANSITION',
  'ERR_UNKNOWN_SYMBOL',
  'ERR_STRATEGY',
] as const;

export type TradingErrorCode = (typeof TRADING_ERROR_CODES)[number];

/** The one error class of the trading core: a stable `code`, the offending `field` when there is one, and the `cause`. */
export class TradingError extends Error {
  override readonly name = 'TradingError';
  readonly code: TradingErrorCode;
  readonly field: string | undefined;
  /** The message without the field prefix. */
  readonly detail: string;

  constructor(code: TradingErrorCode, detail: string, options?: { field?: string; cause?: unknown }) {
    super(options?.field ? `${options.field}: ${detail}` : detail, options);
    this.code = code;
    this.field = options?.field;
    this.detail = detail;
  }
}
