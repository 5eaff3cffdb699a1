import type { ExchangeId } from './client.js';
import type { GuardOptions } from './guard.js';

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
  timeoutMs: number;
  guard: GuardOptions;
}
