import { createClient, EXCHANGE_IDS, type ExchangeId } from '../exchanges/client.js';
import { resolveCredentials } from '../exchanges/credentials.js';
import { ExchangeGuard } from '../exchanges/guard.js';

export interface VerifyOptions {
  /** Exchanges to check; default: every exchange with keys for `account`. */
  exchanges?: ExchangeId[];
  account: string;
  keysFile?: string;
  sandbox: boolean;
  endpoint?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export interface VerifyRow {
  exchange: string;
  markets: string;
  balance: string;
  ok: boolean;
}

/**
 * `botv3 exchanges verify`: the migration plan's connectivity check. For each exchange, loads the
 * markets and fetches the balance, and says what works and, for what fails, why (the platform's
 * error code and the exchange's message, keys masked).
 */
export async function verifyExchanges(options: VerifyOptions): Promise<VerifyRow[]> {
  const files = options.keysFile ? { file: options.keysFile } : {};
  const env = options.env ?? process.env;
  const candidates = options.exchanges ?? EXCHANGE_IDS.filter((id) => resolveCredentials(id, options.account, { env, ...files }) !== undefined);
  return Promise.all(
    candidates.map(async (exchange): Promise<VerifyRow> => {
      const credentials = resolveCredentials(exchange, options.account, { env, ...files });
      const client = createClient({ exchange, sandbox: options.sandbox, timeoutMs: options.timeoutMs, ...(credentials ? { credentials } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
      const guard = new ExchangeGuard(exchange, { retries: 0, backoff: { initialMs: 0, maxMs: 0, jitter: 0 }, failureThreshold: 1_000, openMs: 0 }, credentials ? [credentials.apiKey, credentials.secret] : []);
      const failed = (error: unknown) => `FAIL ${(error as { code?: string }).code}: ${(error as Error).message}`;
      const markets = await guard.run(() => client.loadMarkets()).then((m) => `ok (${Object.keys(m).length} spot markets)`, failed);
      const balance = !credentials
        ? 'FAIL no keys (BOTV3_<EXCHANGE>_<ACCOUNT>_API_KEY / _SECRET, or the v2 names)'
        : await guard.run(() => client.fetchBalance()).then((b) => `ok (${Object.keys(b.total ?? {}).length} assets)`, failed);
      return { exchange, markets, balance, ok: markets.startsWith('ok') && balance.startsWith('ok') };
    }),
  );
}

/** The rows as a table for the terminal. */
export function formatVerifyTable(rows: VerifyRow[]): string {
  const header = ['exchange', 'markets', 'balance'];
  const cells = rows.map((r) => [r.exchange, r.markets, r.balance]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => Math.min(c[i]!.length, 80))));
  const line = (c: string[]) => c.map((v, i) => (v.length > 80 ? `${v.slice(0, 77)}...` : v).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
