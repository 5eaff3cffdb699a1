import type { ExchangeId } from './client.js';
import type { SharedLeases } from '../../actors/trading/fence.js';
import type { BackoffOptions } from '../../runtime/backoff.js';

/** A ccxt exchange actor's args, as the platform builds them from the config file. */
export interface CcxtExchangeArgs {
  /** The config's name for it (`exchanges.<name>`), used in errors and status. */
  name: string;
  exchange: ExchangeId;
  sandbox: boolean;
  /** See `ClientOptions.endpoint`. */
  endpoint?: string;
  /** Owner-only YAML file of keys, after the environment (see `resolveCredentials`). */
  keysFile?: string;
  /** Where markets are cached. */
  marketsDir: string;
  /** Candles published to subscribed traders. */
  timeframe: string;
  /** How often live orders are fetched for fills, and candles for subscribers. */
  pollMs: number;
  /** How often funding payments and liquidations on the perpetuals its subscribers hold are fetched. */
  holdingsCheckMs: number;
  timeoutMs: number;
  /** See `ClientOptions.rateLimitMs`. */
  rateLimitMs?: number;
  /** Its traders trade perpetuals: the swap markets are loaded too (see `ClientOptions.swaps`). */
  swaps?: boolean;
  guard: GuardOptions;
  /** In a cluster, the node's leases, by which orders are fenced (see `OrderFence`). */
  leases?: SharedLeases;
}

export interface GuardOptions {
  /** Tries after the first for a retryable failure (network, 5xx, rate limit); never for a rejected order. */
  retries: number;
  backoff: BackoffOptions;
  /** Consecutive failed calls (after their retries) that open the circuit... */
  failureThreshold: number;
  /** ...for this long: calls fail at once with `ERR_CIRCUIT_OPEN`, then one trial call may pass. */
  openMs: number;
}

export const GUARD_DEFAULTS: GuardOptions = { retries: 3, backoff: { initialMs: 200, maxMs: 5_000, jitter: 0.2 }, failureThreshold: 5, openMs: 30_000 };
