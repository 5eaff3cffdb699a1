import pg from 'pg';
import { createPool, createTypeParserPreset, type DatabasePool } from 'slonik';
import { backoffDelay } from '../../runtime/backoff.js';
import { startEmbeddedPostgres } from './embedded.js';
import { DatabaseError } from './errors.js';
import { redactUrl } from './url.js';

export interface Database {
  pool: DatabasePool;
  kind: 'embedded' | 'external';
  /** The URL with its password masked, for the banner. */
  where: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A `postgres://` URL (`DATABASE_URL`); without one, an embedded PostgreSQL is started. */
  url?: string | undefined;
  /** Data directory of the embedded PostgreSQL; undefined keeps it in memory (tests). */
  dataDir?: string | undefined;
  maximumPoolSize?: number;
  /** For a server at `url`: wait for it to answer (it may be starting) before the pool is made. */
  wait?: DatabaseWait | undefined;
}

export interface DatabaseWait {
  /** How long to keep trying a server that cannot be reached; 0 tries once. */
  ms: number;
  /** Told of each failed attempt, with the wait before the next: a line for standard error. */
  onRetry(line: string): void;
}

/**
 * NUMERIC comes back as its exact text (slonik's preset makes it a float); the trading core turns
 * it into fixed-point. int8 stays bigint, timestamps stay what the preset makes them.
 */
const typeParsers = [...createTypeParserPreset().filter((p) => p.name !== 'numeric'), { name: 'numeric', parse: (value: string) => value }];

/**
 * The pools' options. A connection goes back to its pool as it is: slonik's default sends `DISCARD ALL`
 * at every release, a round trip after every write and lookup, to clear session state that nothing here
 * leaves (settings are `SET LOCAL` and locks are the transaction's, both ended with it).
 */
const poolOptions = { typeParsers, resetConnection: async () => {} };

/** Connects to `url`, or starts the embedded PostgreSQL and connects to that with a pool of one. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.url) {
    const where = redactUrl(options.url);
    if (options.wait) await waitForServer(options.url, options.wait);
    const pool = await createPool(options.url, { ...poolOptions, maximumPoolSize: options.maximumPoolSize ?? 10 });
    return { pool, kind: 'external', where, close: () => pool.end() };
  }
  const embedded = await startEmbeddedPostgres(options.dataDir);
  const pool = await createPool(embedded.url, { ...poolOptions, maximumPoolSize: 1 });
  return {
    pool,
    kind: 'embedded',
    where: options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory',
    close: async () => {
      await pool.end();
      await embedded.stop();
    },
  };
}

/** Retries between attempts: a server that is starting answers within seconds, so the delays stay short. */
const RETRY = { initialMs: 1_000, maxMs: 5_000, jitter: 0.2 };
/** One attempt waits this long at most for a server that accepts connections and does not answer. */
const ATTEMPT_MS = 5_000;
/** Errors of a server that is not there yet, or not ready (57P03, cannot_connect_now: starting up). */
const NOT_REACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P03']);

/**
 * Connects to `url` once to see that it answers, retrying a server that cannot be reached with backoff
 * for `wait.ms`. Throws `ERR_DB_UNAVAILABLE` in one line, without the password, when it never answers
 * or refuses (a wrong password, no such database: not retried). A plain pg client, because slonik's pool
 * raises a refused connection as an uncaught error and leaves its query pending.
 */
async function waitForServer(url: string, wait: DatabaseWait): Promise<void> {
  const { hostname, port } = new URL(url);
  const where = `database ${hostname}:${port || 5432}`;
  const giveUpAt = Date.now() + wait.ms;
  const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ATTEMPT_MS });
    // An error after connect() has failed would otherwise be uncaught.
    client.on('error', () => {});
    let reason: string | undefined;
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      reason = notReachable(error);
      if (reason === undefined) throw new DatabaseError('ERR_DB_UNAVAILABLE', `${where} refused the connection: ${(error as Error).message}`, { cause: error });
    }
    const left = giveUpAt - Date.now();
    if (left <= 0) {
      const gaveUp = wait.ms > 0 ? `; gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(wait.ms)}` : '';
      throw new DatabaseError('ERR_DB_UNAVAILABLE', `${where} not reachable (${reason})${gaveUp}`);
    }
    const delay = Math.min(left, backoffDelay(attempt, RETRY));
    wait.onRetry(`${where} not reachable (${reason}), retrying in ${seconds(delay)} (attempt ${attempt}, ${seconds(left)} left)`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Why a failed connection says the server is not (yet) there: its code, `timeout`, `connection closed`; undefined for a refusal. */
function notReachable(error: unknown): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '57P03') return String(message);
  if (typeof code === 'string' && NOT_REACHABLE.has(code)) return code;
  // pg's own errors carry no code.
  if (/timeout/.test(String(message))) return 'timeout';
  if (/^Connection terminated/.test(String(message))) return 'connection closed';
  return undefined;
}
