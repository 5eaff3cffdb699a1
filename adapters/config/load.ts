import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { issueField, issuePath } from '../../runtime/issues.js';
import { TradingError } from '../../actors/trading/errors.js';
import { unstorableIn } from '../../actors/trading/text.js';
import type { z } from 'zod';
import { platformSchema, strategyModule, traderSchema, type PlatformConfig, type TraderConfig } from './schema.js';

/**
 * Validates a platform config (already parsed from YAML or JSON). Throws `ERR_INVALID_CONFIG` naming
 * the first bad field, e.g. `traders[1].strategy.params.fast: must be below slow`.
 */
export function parseConfig(input: unknown, source = 'config'): PlatformConfig {
  const config = parseWith(platformSchema, input, source);
  const ids = new Set<string>();
  config.traders.forEach((trader, i) => {
    if (ids.has(trader.id)) throw new TradingError('ERR_INVALID_CONFIG', `trader id "${trader.id}" is used twice (in ${source})`, { field: `traders[${i}].id` });
    ids.add(trader.id);
  });
  return config;
}

/** Validates one trader entry (the API's `POST /traders`), naming the bad field as `parseConfig` does. */
export function parseTrader(input: unknown, source = 'trader'): TraderConfig {
  const trader = parseWith(traderSchema, input, source);
  // The API runs no code it is sent a path to: a strategy module is named in the config file, which the operator owns.
  if (strategyModule(trader.strategy) !== undefined) {
    throw new TradingError('ERR_INVALID_CONFIG', `a strategy module can only be named in the config file (in ${source})`, { field: 'strategy.module' });
  }
  return trader;
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  // Config text is stored (trader ids, strategy params as jsonb): one unstorable value would stop persistence.
  const bad = unstorableIn(input);
  if (bad) throw new TradingError('ERR_INVALID_CONFIG', `${bad.reason} (in ${source})`, { field: bad.field || '(root)' });
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const { path: keys, message } = issueField(issue);
  throw new TradingError('ERR_INVALID_CONFIG', `${message} (in ${source})`, { field: issuePath('', keys) || '(root)', cause: parsed.error });
}

/** Reads a YAML or JSON (JSON is YAML) config file. */
export function loadConfig(path: string): PlatformConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TradingError('ERR_INVALID_CONFIG', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new TradingError('ERR_INVALID_CONFIG', `${path} is not valid YAML or JSON: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(data, path);
}
