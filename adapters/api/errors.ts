import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z, ZodError, type core } from 'zod';
import { issueField, issuePath } from '../../runtime/issues.js';
import { ControlError } from '../../actors/platform/control.js';
import { TradingError } from '../../actors/trading/errors.js';

/** Each stable error code of the API with the one HTTP status it is answered with. */
const STATUS = {
  ERR_BAD_REQUEST: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_VALIDATION: 422,
  ERR_RATE_LIMITED: 429,
  ERR_UNAVAILABLE: 503,
  ERR_INTERNAL: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ApiErrorCode = keyof typeof STATUS;

/**
 * The one error shape of every API response: `{ "error": { "code", "message", "field"? } }`. A zod
 * schema, so that the OpenAPI document describes every error response with it (component `Error`).
 */
export const errorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      /** The field at fault, when there is one: `quantity`, `signals[2].symbol`, `authorization`. */
      field: z.string().optional(),
    }),
  })
  .meta({ id: 'Error', description: 'The one error shape of the API; `message` starts with the field it names.' });

export type ErrorBody = z.infer<typeof errorBody>;

/**
 * An error answered to the client: a stable `code`, its HTTP `status`, a message naming the bad `field`
 * when there is one, and the `cause` for the log (never sent).
 *
 * @example
 * ```ts
 * throw new ApiError('ERR_VALIDATION', 'must be positive', { field: 'quantity' });
 * // 422 {"error":{"code":"ERR_VALIDATION","message":"quantity: must be positive","field":"quantity"}}
 * ```
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: ContentfulStatusCode;
  readonly field: string | undefined;

  constructor(code: ApiErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(options?.field ? `${options.field}: ${message}` : message, options);
    this.code = code;
    this.status = STATUS[code];
    this.field = options?.field;
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) } };
  }
}

/** The first issue of a zod error as an ApiError naming its field (`signals[2].quantity`). */
export function fromZodError(error: ZodError, code: ApiErrorCode = 'ERR_VALIDATION', prefix = ''): ApiError {
  const issue = error.issues[0]! as core.$ZodIssue;
  const { path: keys, message } = issueField(issue);
  return new ApiError(code, message, { field: issuePath(prefix, keys) || prefix || 'body', cause: error });
}

/** Maps what the platform throws to the API's errors; anything unknown is a 500 with no detail. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodError) return fromZodError(error);
  if (error instanceof ControlError) {
    const code = ({ ERR_NOT_FOUND: 'ERR_NOT_FOUND', ERR_CONFLICT: 'ERR_CONFLICT', ERR_UNAVAILABLE: 'ERR_UNAVAILABLE', ERR_INVALID_QUERY: 'ERR_BAD_REQUEST' } as const)[error.code];
    return new ApiError(code, error.message, { ...(error.field !== undefined ? { field: error.field } : {}), cause: error });
  }
  if (error instanceof TradingError && error.code === 'ERR_INVALID_CONFIG') {
    return new ApiError('ERR_VALIDATION', error.detail, { ...(error.field !== undefined ? { field: error.field } : {}), cause: error });
  }
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_REQUEST_TIMEOUT' || code === 'ERR_MAILBOX_FULL' || code === 'ERR_ACTOR_STOPPED' || code === 'ERR_SYSTEM_STOPPING') {
    return new ApiError('ERR_UNAVAILABLE', 'the platform is busy or stopping; try again', { cause: error });
  }
  return new ApiError('ERR_INTERNAL', 'internal error', { cause: error });
}
