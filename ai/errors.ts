/**
 * Why a review got no verdict. The reviewer actor applies the trader's failure policy to all of them
 * alike; the code says which, for logs, metrics and the stored reason.
 */
export type AiErrorCode =
  /** The calls-per-minute or tokens-per-day budget is spent. */
  | 'ERR_AI_BUDGET'
  /** Too many recent calls failed: no call is made until the breaker half-opens. */
  | 'ERR_AI_BREAKER_OPEN'
  /** The API answered, but not with a verdict the schema accepts. */
  | 'ERR_AI_MALFORMED'
  /** The API failed (status in `status`), after the SDK's retries. */
  | 'ERR_AI_API'
  /** No answer in time (the SDK's request timeout, after its retries). */
  | 'ERR_AI_TIMEOUT'
  /** The caller gave up (the trader's review deadline passed). */
  | 'ERR_AI_ABORTED';

export class AiError extends Error {
  override readonly name = 'AiError';
  readonly code: AiErrorCode;
  readonly status: number | undefined;
  /** Tokens the failed call still cost (a malformed answer is billed). */
  readonly usage: { inputTokens: number; outputTokens: number } | undefined;

  constructor(code: AiErrorCode, message: string, options?: { status?: number; usage?: { inputTokens: number; outputTokens: number }; cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = options?.status;
    this.usage = options?.usage;
  }
}
