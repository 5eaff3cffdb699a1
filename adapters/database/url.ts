import { DatabaseError } from './errors.js';

/**
 * Checks a `postgres://` URL and returns it with the password masked, for banners and logs.
 *
 * @example
 * redactUrl('postgres://bot:s3cret@db:5555/trading') // 'postgres://bot:***@db:5555/trading'
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new DatabaseError('ERR_INVALID_DATABASE_URL', 'DATABASE_URL: not a URL such as postgres://user@host:5432/db', { cause });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError('ERR_INVALID_DATABASE_URL', `DATABASE_URL: the protocol must be postgres:, got ${parsed.protocol}`);
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
