import { checkDatabase, checkExchanges, checkHealth, checkStrategies, checkSystemStatus, type ApiContext } from './checks.js';
import { checkTableCounts } from './counts.js';
import { apiBase, endpoint, getJson, type ApiAnswer } from './http.js';
import { scrub, urlSecrets } from '../secrets.js';
import { runCheck, type Outcome, type VerifyRow } from './row.js';
import { checkWebSocket, streamUrl } from './websocket.js';

export type { VerifyRow } from './row.js';
export { formatVerifyTable, verifyPassed } from './table.js';

export interface VerifyOptions {
  /** The v3 API's base URL, such as `http://127.0.0.1:8080`. */
  api: string;
  /** The v3 database's `postgres://` URL. */
  db: string;
  /** An API token with the `read` scope; default: env `BOTV3_API_TOKEN`. */
  token?: string;
  /** Time each check has, in ms; default 5,000. */
  timeoutMs?: number;
}

/** The checks, in the order of the table. */
export const VERIFY_CHECKS = ['api health', 'system status', 'database', 'table counts', 'exchanges', 'strategies', 'websocket'] as const;

export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;

/** Extra time the backstop of `runCheck` gives a check over its own timeout. */
const GRACE_MS = 1_000;

/**
 * The post-migration checklist: the API's health, status, database, exchanges and strategies, the
 * stream, and the migrated database's tables and latest migration run. The checks run at once and
 * apart: one failing (a network error, a timeout, a refused token) is a FAIL row with its reason and
 * never stops the others; this never throws for what it finds. No detail carries the token or a password.
 */
export async function verifyMigration(options: VerifyOptions): Promise<VerifyRow[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  const token = options.token || process.env.BOTV3_API_TOKEN || undefined;
  const secrets = [token, ...urlSecrets(options.db), ...urlSecrets(options.api)];
  const redact = (text: string) => scrub(text, secrets);

  let base: URL | undefined;
  let baseError: unknown;
  try {
    base = apiBase(options.api);
  } catch (error) {
    baseError = error;
  }
  const apiUrl = (path: string): string => {
    if (!base) throw baseError;
    return endpoint(base, path);
  };
  let status: Promise<ApiAnswer> | undefined;
  const deadline = Date.now() + timeoutMs;
  const ctx: ApiContext = {
    url: apiUrl,
    token,
    timeoutMs,
    remainingMs: () => Math.max(100, deadline - Date.now()),
    status: () => (status ??= Promise.resolve().then(() => getJson(apiUrl('/api/v1/system/status'), token, timeoutMs))),
  };

  const checks: Record<(typeof VERIFY_CHECKS)[number], () => Promise<Outcome>> = {
    'api health': () => checkHealth(ctx),
    'system status': () => checkSystemStatus(ctx),
    database: () => checkDatabase(ctx),
    'table counts': () => checkTableCounts(options.db, timeoutMs),
    exchanges: () => checkExchanges(ctx),
    strategies: () => checkStrategies(ctx),
    websocket: async () => {
      if (!base) throw baseError;
      return checkWebSocket(streamUrl(base), token, timeoutMs);
    },
  };
  const rows = await Promise.all(VERIFY_CHECKS.map((check) => runCheck(check, timeoutMs + GRACE_MS, checks[check])));
  return rows.map((row) => ({ ...row, detail: redact(row.detail) }));
}
