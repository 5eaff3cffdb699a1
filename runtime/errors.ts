/**
 * Stable error codes of the actor runtime. Callers branch on `code`, never on message text.
 */
export const RUNTIME_ERROR_CODES = [
  'ERR_INVALID_MESSAGE',
  'ERR_NOT_CLONEABLE',
  'ERR_INVALID_OPTION',
  'ERR_UNKNOWN_ADDRESS',
  'ERR_DUPLICATE_ADDRESS',
  'ERR_MAILBOX_FULL',
  'ERR_REQUEST_TIMEOUT',
  'ERR_ACTOR_STOPPED',
  'ERR_ACTOR_CRASHED',
  'ERR_ACTOR_HUNG',
  'ERR_ACTOR_MODULE',
  'ERR_SYSTEM_STOPPING',
] as const;

export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[number];

/**
 * The one error class of the runtime: a stable `code`, a message naming what was wrong,
 * and the underlying `cause` when there is one.
 *
 * @example
 * ```ts
 * try { system.send('trader.alpha', { type: 'signal' }) }
 * catch (err) { if (err instanceof RuntimeError && err.code === 'ERR_INVALID_MESSAGE') ... }
 * ```
 */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A crash reason as plain data, so it can cross a thread boundary and be shown by the API. */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error that crossed a thread boundary; unknown codes become `ERR_ACTOR_CRASHED`. */
export function fromErrorInfo(info: ErrorInfo): RuntimeError {
  const code = (RUNTIME_ERROR_CODES as readonly string[]).includes(info.code ?? '')
    ? (info.code as RuntimeErrorCode)
    : 'ERR_ACTOR_CRASHED';
  return new RuntimeError(code, info.message);
}
