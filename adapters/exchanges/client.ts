import ccxt, { type Exchange } from 'ccxt';
import { PROFILES, type ExchangeId } from './profiles/index.js';
import type { ExchangeProfile } from './profiles/profile.js';

export { EXCHANGE_IDS, type ExchangeId } from './profiles/index.js';

export interface Credentials {
  apiKey: string;
  secret: string;
  /** The passphrase OKX, Bitget and KuCoin ask for. */
  password?: string;
}

export interface ClientOptions {
  exchange: ExchangeId;
  credentials?: Credentials;
  /** The exchange's testnet, where it has one. */
  sandbox?: boolean;
  /**
   * Sends every request to this origin instead, the exchange's own host kept as the first path segment
   * (`https://api.binance.com/api/v3/time` -> `<origin>/api.binance.com/api/v3/time`): for a recording
   * proxy or the loopback replays the tests use.
   */
  endpoint?: string;
  /** Per request; ccxt's default is 10 s. */
  timeoutMs?: number;
  /** Least milliseconds between requests of weight 1 (ccxt's `rateLimit`); the exchange's published limit when absent. */
  rateLimitMs?: number;
  /** Loads the exchange's linear perpetuals beside spot (see `ExchangeProfile.swaps`). */
  swaps?: boolean;
}

/**
 * A ccxt client for one exchange account: the real library, its rate limiter on, spot markets (and
 * linear perpetuals with `swaps`), and the account's keys. Nothing is requested until it is used.
 *
 * @example
 * ```ts
 * const client = createClient({ exchange: 'binance', credentials: { apiKey, secret }, sandbox: true });
 * await client.loadMarkets();
 * ```
 */
export function createClient(options: ClientOptions): Exchange {
  const Class = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[options.exchange]!;
  const profile: ExchangeProfile = PROFILES[options.exchange];
  const client = new Class({
    enableRateLimit: true,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.rateLimitMs !== undefined ? { rateLimit: options.rateLimitMs } : {}),
    // Markets are what trading needs; currencies (withdrawal networks, often a private call) are not used.
    has: { fetchCurrencies: false },
    options: { ...profile.options, ...(options.swaps ? profile.swaps?.options : {}) },
    // Merged into ccxt's own table of the exchange's error codes.
    ...(profile.errorCodes ? { exceptions: { exact: Object.fromEntries(Object.entries(profile.errorCodes).map(([code, name]) => [code, ccxt[name]])) } } : {}),
    ...(options.credentials ?? {}),
  });
  if (options.sandbox) client.setSandboxMode(true);
  if (options.endpoint) rewriteOrigins(client.urls, options.endpoint.replace(/\/+$/, ''));
  return client;
}

function rewriteOrigins(urls: { api?: unknown }, origin: string): void {
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/^https?:\/\//, `${origin}/`);
    if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) (value as Record<string, unknown>)[key] = rewrite(inner);
    }
    return value;
  };
  urls.api = rewrite(urls.api);
}
