import { isMap, isScalar } from 'yaml';
import { z } from 'zod';
import { traderSchema } from '../../adapters/config/schema.js';
import { EXCHANGE_IDS } from '../../adapters/exchanges/profiles/index.js';
import { inferStrategyType, strategyTypes } from '../../actors/strategies/registry.js';
import { configError, issueError, parseV2, parseV2Yaml } from './source.js';

export const STRATEGIES_FILE = 'strategies.yaml';

/** A decimal as v2 wrote it: a YAML number, or the text written when a number would not keep it exactly. */
export type WrittenDecimal = number | string;

/** A strategy entry in v3's format (`traders[].strategy`): a built-in `type`, or a `module` of the user's. */
export interface V3Strategy {
  name: string;
  type?: string;
  module?: string;
  symbols: string[];
  timeframe: string;
  params?: Record<string, unknown>;
  risk_params?: { max_position?: WrittenDecimal; stop_loss?: WrittenDecimal };
}

/** One v2 strategy, ready to become a v3 trader: its id, v2's exchange, its strategy entry. */
export interface MigratedStrategy {
  id: string;
  exchange: string;
  strategy: V3Strategy;
}

const exchangeMessage = `must name an exchange v3 trades on: ${EXCHANGE_IDS.join(', ')}`;

/**
 * Only what decides the trader is checked here; the rest is checked by v3's own reading of v2
 * entries (`traderSchema`), so the migration accepts exactly what v3 would.
 */
const fileSchema = z.strictObject({
  strategies: z
    .array(
      z.looseObject({
        strategy_name: z.string().regex(/^[\w-]{1,48}$/, 'cannot be a v3 trader id: use 1 to 48 letters, digits, _ and -'),
        exchange: z
          .string({ error: exchangeMessage })
          .transform((name) => name.toLowerCase())
          .refine((name) => (EXCHANGE_IDS as string[]).includes(name), exchangeMessage),
      }),
    )
    .min(1, 'expected at least one strategy'),
});

/** Where v2's field of a v3 strategy entry came from, for errors about an entry v3 builds itself. */
const V2_FIELDS: Record<string, string> = { symbols: 'pairs', timeframe: 'interval' };

/**
 * Reads v2's strategies.yaml into v3 strategy entries, one trader per strategy named after it. A
 * strategy whose type v3 cannot tell is an error, unless `modules` names the strategy module it
 * becomes (`botv3 migrate strategies` writes that module).
 * Throws `ERR_V2_CONFIG` naming the field, e.g. `strategies.yaml: strategies[1].pairs[0]: "BTC USDT" is
 * not a symbol such as BTC/USDT`.
 */
export function migrateStrategies(text: string, options: { modules?: (id: string) => string } = {}): MigratedStrategy[] {
  const doc = parseV2Yaml(STRATEGIES_FILE, text);
  const { strategies } = parseV2(STRATEGIES_FILE, fileSchema, doc.toJS() ?? {});
  const ids = new Map<string, number>();
  return strategies.map((entry, i) => {
    const root = `strategies[${i}]`;
    const id = entry.strategy_name;
    const first = ids.get(id);
    if (first !== undefined) throw configError(STRATEGIES_FILE, `${root}.strategy_name`, `"${id}" is also the name of strategies[${first}], and trader ids must be unique`);
    ids.set(id, i);
    const type = inferStrategyType(id);
    const module = type === undefined ? options.modules?.(id) : undefined;
    if (type === undefined && module === undefined) {
      throw configError(STRATEGIES_FILE, `${root}.strategy_name`, `cannot tell the strategy type of "${id}": v3 infers it from the name (sma_cross -> sma_crossover); types: ${strategyTypes().join(', ')}`);
    }
    // A module's entry is written in v3's format (v2's has no `module`), from v2's fields.
    const strategy = module === undefined ? entry : { name: id, module, symbols: entry.pairs, timeframe: entry.interval, params: entry.params ?? {} };
    const parsed = traderSchema.safeParse({ id, strategy });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      // Paths start at the trader's `strategy`, which is the v2 entry itself (or built from its fields).
      const [, field, ...rest] = issue.path;
      const path = module !== undefined && typeof field === 'string' && field in V2_FIELDS ? [V2_FIELDS[field]!, ...rest] : issue.path.slice(1);
      throw issueError(STRATEGIES_FILE, { ...issue, path }, root, parsed.error);
    }
    const { symbols, timeframe } = parsed.data.strategy!;
    const node = doc.getIn(['strategies', i], true);
    const risk = {
      ...(entry.max_position_size === undefined ? {} : { max_position: asWritten(node, 'max_position_size', entry.max_position_size) }),
      ...(entry.stop_loss_pct === undefined ? {} : { stop_loss: asWritten(node, 'stop_loss_pct', entry.stop_loss_pct) }),
    };
    return {
      id,
      exchange: entry.exchange,
      strategy: {
        name: id,
        ...(type !== undefined ? { type } : { module: module! }),
        symbols,
        timeframe,
        ...(entry.params === undefined ? {} : { params: entry.params as Record<string, unknown> }),
        ...(Object.keys(risk).length === 0 ? {} : { risk_params: risk }),
      },
    };
  });
}

/** A decimal as v3 reads one from a string: digits, a point, an exponent. */
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A number whose shortest form is not what v2 wrote (`0.10`, `1e-2`, more digits than a double keeps)
 * goes on as the text written, which v3 reads as an exact decimal. Other notations (`0x10`) and values
 * reached through an alias, which have no text of their own here, go as parsed.
 */
function asWritten(entry: unknown, key: string, value: unknown): WrittenDecimal {
  const node = isMap(entry) ? entry.get(key, true) : undefined;
  const text = isScalar(node) && typeof node.value === 'number' ? node.source : undefined;
  return text !== undefined && DECIMAL_TEXT.test(text) && String(value) !== text ? text : (value as WrittenDecimal);
}
