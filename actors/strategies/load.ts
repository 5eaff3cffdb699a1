import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { TradingError } from '../trading/errors.js';
import { isTimeframe } from '../trading/timeframe.js';
import { STRATEGIES } from './registry.js';
import type { StrategyDefinition } from './strategy.js';

/** What a trader's args say of its strategy: a built-in `type`, or the `module` file (an absolute path) a user wrote. */
export interface StrategySpec {
  type: string;
  name: string;
  timeframe: string;
  params: unknown;
  module?: string;
}

const isFunction = (value: unknown) => typeof value === 'function';


/** The shape a module's default export must have; checked so that a mistake is named, not met later as `undefined is not a function`. */
const definitionShape = z.object({
  type: z.string().min(1),
  description: z.string().optional(),
  // Duck-typed: a strategy folder with a zod of its own is still a zod schema.
  params: z.custom<z.ZodType>((value) => isFunction((value as { safeParse?: unknown } | null)?.safeParse), 'must be a zod schema (z.object({...}))'),
  create: z.custom<StrategyDefinition['create']>(isFunction, 'must be a function (params, snapshot) => strategy'),
  warmup: z.custom<NonNullable<StrategyDefinition['warmup']>>(isFunction, 'must be a function (params) => number of candles').optional(),
  notPorted: z.string().optional(),
  timeframes: z.array(z.string().refine(isTimeframe, 'must list timeframes such as 5m, 1h, 1d')).optional(),
});

/**
 * Imports a strategy module a user wrote (`strategy.module` in the config), TypeScript or JavaScript.
 * Its default export is a `defineStrategy({...})`.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` naming the file and, for a bad export, the field.
 */
export async function loadStrategyModule(file: string): Promise<StrategyDefinition> {
  let module: { default?: unknown };
  try {
    // Through tsx, JavaScript too: `bot-trading-v3/strategy` resolves to TypeScript source, so a strategy
    // needs no build step. Imported only here: a trader running a built-in never loads a compiler.
    const { tsImport } = await import('tsx/esm/api');
    module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (cause) {
    throw new TradingError('ERR_INVALID_CONFIG', `strategy module ${file} cannot be loaded: ${(cause as Error).message}`, { field: 'strategy.module', cause });
  }
  // A file outside an ES-module package is compiled to CommonJS, which keeps its default export one level down.
  const exported = module.default as { __esModule?: boolean; default?: unknown } | undefined;
  const definition = exported?.__esModule ? exported.default : exported;
  if (definition === undefined) {
    throw new TradingError('ERR_INVALID_CONFIG', `strategy module ${file} has no default export; export default defineStrategy({...})`, { field: 'strategy.module' });
  }
  const parsed = definitionShape.safeParse(definition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TradingError('ERR_INVALID_CONFIG', `strategy module ${file}: default export field "${issue.path.join('.')}" ${issue.message}`, { field: 'strategy.module' });
  }
  // The module's own object, not the parsed copy: its methods may use `this` and fields the shape does not list.
  return definition as StrategyDefinition;
}

/** The definition a trader runs: a built-in by type, or the user's module. */
export async function strategyDefinition(spec: StrategySpec): Promise<StrategyDefinition> {
  if (spec.module !== undefined) return loadStrategyModule(spec.module);
  const definition = STRATEGIES[spec.type];
  if (!definition) throw new TradingError('ERR_INVALID_CONFIG', `no built-in strategy "${spec.type}"`, { field: 'strategy.type' });
  return definition;
}
