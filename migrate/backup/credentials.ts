import { redactUrl } from '../../adapters/database/url.js';
import { MigrationError } from '../errors.js';
import { decodeOrKeep, scrub, urlSecrets } from '../secrets.js';

/**
 * How pg_dump and pg_restore reach a database without its password on their command line (where
 * `ps` would show it): `dbname` is the URL with the password taken out, `env` carries it as
 * `PGPASSWORD`. `secrets` are the forms the password may take in a message, for `scrub`.
 */
export interface LibpqLogin {
  dbname: string;
  env: NodeJS.ProcessEnv;
  secrets: string[];
}

/**
 * Splits `url` into a password-less URL and the password (from the user info or a `password=` query
 * parameter). Throws, as `redactUrl` does, when `url` is not a `postgres://` URL.
 *
 * @example
 * libpqLogin('postgres://bot:s%40cret@db/v2').dbname      // 'postgres://bot@db/v2'
 * libpqLogin('postgres://bot:s%40cret@db/v2').env.PGPASSWORD // 's@cret'
 */
export function libpqLogin(url: string): LibpqLogin {
  redactUrl(url);
  const parsed = new URL(url);
  const encoded = parsed.password || parsed.searchParams.get('password') || '';
  parsed.password = '';
  parsed.searchParams.delete('password');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (encoded) env.PGPASSWORD = decodeOrKeep(encoded);
  return { dbname: parsed.toString(), env, secrets: urlSecrets(url) };
}

/** Checks that `url` is a `postgres://` URL; `what` names it in the error (`the v2 URL`). */
export function checkUrl(url: string, what: string): void {
  try {
    redactUrl(url);
  } catch (cause) {
    throw new MigrationError('ERR_BACKUP', `${what} is not a URL such as postgres://user@host:5432/database`, { cause });
  }
}

/**
 * `error` as an error of the backup: a `MigrationError` keeps its code, anything else becomes
 * `ERR_BACKUP` prefixed with `what`; either way with the secrets masked in the message.
 */
export function asMigrationError(error: unknown, what: string, secrets: readonly string[]): MigrationError {
  if (error instanceof MigrationError) {
    const message = scrub(error.message, secrets);
    return message === error.message ? error : new MigrationError(error.code, message, { cause: error.cause });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MigrationError('ERR_BACKUP', scrub(`${what}: ${message}`, secrets), { cause: error });
}
