/** Stable codes of `botv3 migrate`; callers branch on `code`. */
export type MigrationErrorCode =
  | 'ERR_V2_SCHEMA'
  | 'ERR_MIGRATION_SOURCE'
  | 'ERR_MIGRATION_TARGET'
  | 'ERR_MIGRATION_ABORTED'
  | 'ERR_BACKUP'
  | 'ERR_V2_CONFIG'
  | 'ERR_ROLLBACK';

/** The one error class of `migrate/`: a stable `code` and the `cause`. Messages never carry a password or a key. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly code: MigrationErrorCode;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
