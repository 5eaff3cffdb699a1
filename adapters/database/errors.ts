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
