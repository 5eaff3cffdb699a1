import { isAbsolute, resolve } from 'node:path';
import { loadStrategyModule } from '../../actors/strategies/load.js';
import type { StrategyDefinition } from '../../actors/strategies/strategy.js';
import { TradingError } from '../../actors/trading/errors.js';
import { issueField } from '../../runtime/issues.js';
import { strategyModule, type PlatformConfig } from './schema.js';

/** A module `botv3 migrate strategies` wrote whose v2 logic is still to be written. */
export interface NotPorted {
  field: string;
  file: string;
  note: string;
}

/** Strategy modules loaded by the main thread, by absolute path: what `GET /strategies` describes. */
const loaded = new Map<string, StrategyDefinition>();

/** The definition of a module `resolveStrategies` loaded, if it did. */
export function loadedStrategy(file: string): StrategyDefinition | undefined {
  return loaded.get(file);
}

/**
 * Loads every strategy module a config names, once, before anything starts: a module that does not
 * load, does not export a strategy, or refuses its params stops `botv3 start` and `botv3 check` with
 * the file and the field, rather than crash-looping a trader. Module paths become absolute (a trader's
 * worker imports them again from its own thread) and params take their schema's defaults.
 *
 * Returns the modules marked as not yet ported (`notPorted`), for `botv3 check` to report.
 *
 * @throws TradingError `ERR_INVALID_CONFIG`, field `traders[i].strategy.module` or `.params.*`.
 */
export async function resolveStrategies(config: PlatformConfig, baseDir: string, source = 'config'): Promise<NotPorted[]> {
  const notPorted: NotPorted[] = [];
  for (const [i, trader] of config.traders.entries()) {
    const module = strategyModule(trader.strategy);
    if (module === undefined) continue;
    const strategy = trader.strategy!;
    const file = isAbsolute(module) ? module : resolve(baseDir, module);
    const field = `traders[${i}].strategy`;
    let definition: StrategyDefinition;
    try {
      definition = loaded.get(file) ?? (await loadStrategyModule(file));
    } catch (error) {
      throw new TradingError('ERR_INVALID_CONFIG', `${(error as TradingError).detail ?? (error as Error).message} (in ${source})`, { field: `${field}.module`, cause: error });
    }
    loaded.set(file, definition);
    const params = definition.params.safeParse(strategy.params);
    if (!params.success) {
      const { path, message } = issueField(params.error.issues[0]!);
      throw new TradingError('ERR_INVALID_CONFIG', `${message} (strategy module ${file}, in ${source})`, { field: [`${field}.params`, ...path].join('.') });
    }
    Object.assign(strategy, { module: file, type: definition.type, params: params.data });
    if (definition.notPorted !== undefined) notPorted.push({ field: `${field}.module`, file, note: definition.notPorted });
  }
  return notPorted;
}
