import { dirname, resolve } from 'node:path';
import { TradingError } from '../../actors/trading/errors.js';
import type { Market } from '../../actors/trading/market.js';
import { symbolParts } from '../../actors/trading/symbol.js';
import { platformTree } from '../../actors/platform/tree.js';
import { DEFAULT_RULES_FILE, loadAlertRules } from '../alerts/rules.js';
import { loadConfig } from '../config/load.js';
import { resolveStrategies, type NotPorted } from '../config/strategies.js';
import { exchangeSymbols, type PlatformConfig } from '../config/schema.js';
import { cachedTradingMarkets } from '../exchanges/markets.js';

export interface CheckResult {
  config: PlatformConfig;
  /** ccxt exchanges whose traders' symbols could not be checked: no markets cached for them. */
  unchecked: string[];
  /** Strategy modules migrated from v2 whose logic is not yet written. */
  notPorted: NotPorted[];
}

/**
 * Every check `botv3 start` makes that needs no network: the schema, then the platform tree built as
 * `start` builds it and thrown away (exchanges exist, list the traders' symbols, strategies and their
 * params), with the ccxt exchanges' markets from the cache alone, and the alert rules. Throws
 * `ERR_INVALID_CONFIG` naming the field and the file.
 */
export async function checkConfig(file: string, marketsDir: string): Promise<CheckResult> {
  const config = loadConfig(file);
  const notPorted = await resolveStrategies(config, dirname(resolve(file)), file);
  // The rule file's errors name their own file.
  loadAlertRules(config.alerts.file ?? DEFAULT_RULES_FILE, Object.keys(config.alerts.actions));
  try {
    const { markets, unchecked } = await cachedTradingMarkets(config, marketsDir);
    // Symbols of an exchange with no cached markets are taken as listed, so everything else about them is still checked.
    for (const name of unchecked) markets[name] = [...exchangeSymbols(config, name)].map(standIn);
    platformTree(config, { markets });
    return { config, unchecked, notPorted };
  } catch (error) {
    // The tree names the field but not the file; check names both, as the schema's errors do.
    if (error instanceof TradingError && error.field !== undefined) throw new TradingError(error.code, `${error.detail} (in ${file})`, { field: error.field, cause: error });
    throw error;
  }
}

/** A market taken as listed without being checked; the tree reads only its symbol, and is thrown away. */
function standIn(symbol: string): Market {
  const { base, quote, settle } = symbolParts(symbol);
  // A perpetual's leverage is checked once its market is known: until then any up to the config's cap passes.
  const swap = settle === undefined ? {} : { swap: { maintenanceMargin: 0n, maxLeverage: Number.MAX_SAFE_INTEGER } };
  return { symbol, base, quote, priceStep: 0n, amountStep: 0n, minAmount: 0n, minNotional: 0n, makerFee: 0n, takerFee: 0n, ...swap };
}
