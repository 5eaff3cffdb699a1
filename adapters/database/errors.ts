import { IntegrityConstraintViolationError, InvalidInputError } from 'slonik';
/** Stable codes of the database layer; callers branch on `code`. */
export type DatabaseErrorCode = 'ERR_INVALID_DATABASE_URL' | 'ERR_DB_UNAVAILABLE' | 'ERR_MIGRATION_CHANGED' | 'ERR_MIGRATION_FAILED';

/** The one error class of `adapters/database`: a stable `code` and the `cause`. Messages never carry a password. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly code: DatabaseErrorCode;

  constructor(code: DatabaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True when the database refused the data itself (SQLSTATE classes 22, data exception, and 23,
 * integrity constraint violation): writing the same rows again fails again. Anything else (a lost
 * connection, a server shutting down, a timeout) may pass on a retry.
 */
export function isRefusedData(error: unknown): boolean {
  if (error instanceof IntegrityConstraintViolationError || error instanceof InvalidInputError) return true;
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
