import type { PlatformConfig } from '../config/schema.js';
import { ccxtExchangeId, traderAccount, traderExchange } from '../config/schema.js';
import { createClient, EXCHANGE_IDS, type ExchangeId } from '../exchanges/client.js';
import { resolveCredentials } from '../exchanges/credentials.js';
import { ExchangeGuard } from '../exchanges/guard.js';

/** One exchange account to check. */
export interface VerifyTarget {
  /** As the table shows it: the config entry's name, or the exchange. */
  name: string;
  exchange: ExchangeId;
  account: string;
  sandbox: boolean;
  endpoint?: string;
  keysFile?: string;
}

export interface VerifyRow {
  exchange: string;
  markets: string;
  balance: string;
  ok: boolean;
}

/** The ccxt exchanges of a config, each with the account of its first trader (else `default`). */
export function targetsOfConfig(config: PlatformConfig): VerifyTarget[] {
  return Object.entries(config.exchanges).flatMap(([name, e]): VerifyTarget[] => {
    if (e.type !== 'ccxt') return [];
    const trader = config.traders.find((t) => traderExchange(t) === name);
    return [{ name, exchange: ccxtExchangeId(name, e), account: trader ? traderAccount(trader) : 'default', sandbox: e.sandbox, ...(e.endpoint ? { endpoint: e.endpoint } : {}), ...(e.keysFile ? { keysFile: e.keysFile } : {}) }];
  });
}

/** The exchanges named, or else every exchange that has keys for `account`. */
export function targetsOfNames(names: ExchangeId[], options: Omit<VerifyTarget, 'name' | 'exchange'>, env: NodeJS.ProcessEnv = process.env): VerifyTarget[] {
  const file = options.keysFile ? { file: options.keysFile } : {};
  const chosen = names.length > 0 ? names : EXCHANGE_IDS.filter((id) => resolveCredentials(id, options.account, { env, ...file }) !== undefined);
  return chosen.map((exchange) => ({ ...options, name: exchange, exchange }));
}

/**
 * `botv3 exchanges verify`: the migration plan's connectivity check. For each exchange, loads the
 * markets and fetches the balance, and says what works and, for what fails, why (the platform's
 * error code and the exchange's message, keys masked).
 */
export async function verifyExchanges(targets: VerifyTarget[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<VerifyRow[]> {
  const env = options.env ?? process.env;
  return Promise.all(
    targets.map(async (target): Promise<VerifyRow> => {
      const credentials = resolveCredentials(target.exchange, target.account, { env, ...(target.keysFile ? { file: target.keysFile } : {}) });
      const client = createClient({ exchange: target.exchange, sandbox: target.sandbox, timeoutMs: options.timeoutMs, ...(credentials ? { credentials } : {}), ...(target.endpoint ? { endpoint: target.endpoint } : {}) });
      // One try each: the table reports what happens, it does not wait out an outage.
      const guard = new ExchangeGuard(target.name, { retries: 0, backoff: { initialMs: 0, maxMs: 0, jitter: 0 }, failureThreshold: Number.MAX_SAFE_INTEGER, openMs: 0 }, credentials ? [credentials.apiKey, credentials.secret] : []);
      const failed = (error: unknown) => `FAIL ${(error as { code?: string }).code}: ${(error as Error).message}`;
      // KuCoin Futures lists perpetuals only; the others, loaded as for spot traders, spot markets.
      const kind = target.exchange === 'kucoinfutures' ? 'perpetual' : 'spot';
      const markets = await guard.run(() => client.loadMarkets()).then((m) => `ok (${Object.keys(m).length} ${kind} markets)`, failed);
      const balance = !credentials
        ? `FAIL no keys for account "${target.account}" (BOTV3_<EXCHANGE>_<ACCOUNT>_API_KEY and _SECRET, v2's names, or a keys file)`
        : await guard.run(() => client.fetchBalance()).then((b) => `ok (${Object.keys(b.total ?? {}).length} assets)`, failed);
      return { exchange: target.name, markets, balance, ok: markets.startsWith('ok') && balance.startsWith('ok') };
    }),
  );
}

/** The rows as a table for the terminal; long reasons are cut at 80 characters. */
export function formatVerifyTable(rows: VerifyRow[]): string {
  const header = ['exchange', 'markets', 'balance'];
  const cut = (v: string) => (v.length > 80 ? `${v.slice(0, 77)}...` : v);
  const cells = rows.map((r) => [r.exchange, r.markets, r.balance].map(cut));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
