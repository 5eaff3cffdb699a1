import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MigrationError } from '../errors.js';
import { assertWritable, createOutDir, writeOutput } from './output.js';
import { buildPlatformConfig, PLATFORM_FILE } from './platform.js';
import { readV2File } from './source.js';
import { migrateStrategies, STRATEGIES_FILE, type MigratedStrategy } from './strategies.js';

export interface PortStrategiesOptions {
  /** v2's config directory (its strategies.yaml). */
  from: string;
  out: string;
  paper?: boolean;
  force?: boolean;
}

export interface PortedStrategies {
  files: { path: string; what: string }[];
  /** One line per strategy: a built-in, or a module left to port. */
  lines: string[];
}

const MODULES = 'strategies';

/**
 * `botv3 migrate strategies`: one v3 trader per entry of v2's strategies.yaml, in `out/botv3.yaml`. An
 * entry whose type v3 knows (by its name, as `migrate config` tells it) becomes a built-in strategy
 * entry; any other becomes `out/strategies/<name>.ts`, the migration plan's template with v2's config
 * mapped (params with v2's values as defaults, pairs, interval, position size, stop loss) and its logic
 * left to port, marked `notPorted` so that `botv3 check` reports it. Nothing is written unless all of it
 * can be; a file already there is refused unless `force`.
 */
export async function portStrategies(options: PortStrategiesOptions): Promise<PortedStrategies> {
  const from = resolve(options.from);
  const out = resolve(options.out);
  const text = await readV2File(from, STRATEGIES_FILE);
  if (text === undefined) throw new MigrationError('ERR_V2_CONFIG', `${from} has no ${STRATEGIES_FILE}`);
  const strategies = migrateStrategies(text, { modules: (id) => `./${MODULES}/${id}.ts` });
  const modules = strategies.filter((s) => s.strategy.module !== undefined);
  const platform = buildPlatformConfig({ strategies, paper: options.paper ?? false, keyedExchanges: [] });
  const names = [PLATFORM_FILE, ...modules.map((s) => join(MODULES, `${s.id}.ts`))];
  const force = options.force ?? false;
  await assertWritable(out, names, force);
  await createOutDir(out);
  if (modules.length > 0) await mkdir(join(out, MODULES), { recursive: true });
  await writeOutput(join(out, PLATFORM_FILE), platform.yaml, { mode: 0o644, force });
  const v2 = new Map(strategies.map((s) => [s.id, s]));
  for (const s of modules) await writeOutput(join(out, MODULES, `${s.id}.ts`), template(v2.get(s.id)!), { mode: 0o644, force });
  return {
    files: [{ path: join(options.out, PLATFORM_FILE), what: `${strategies.length} traders` }, ...modules.map((s) => ({ path: join(options.out, MODULES, `${s.id}.ts`), what: 'strategy module to port' }))],
    lines: strategies.map((s) => (s.strategy.type ? `${s.id}: built-in ${s.strategy.type}` : `${s.id}: not a built-in, written as ${s.strategy.module} for its logic to be ported`)),
  };
}

/** A zod field for a v2 param, typed after its value, which becomes its default. */
function paramField(value: unknown): string {
  const literal = JSON.stringify(value);
  if (typeof value === 'number') return `z.number().default(${literal})`;
  if (typeof value === 'string') return `z.string().default(${literal})`;
  if (typeof value === 'boolean') return `z.boolean().default(${literal})`;
  return `z.unknown().default(${literal})`;
}

/** The migration plan's template for a v2 strategy (its `MigratedStrategy` with an async `analyze`), in v3's terms. */
function template({ id, exchange, strategy }: MigratedStrategy): string {
  const params = Object.entries(strategy.params ?? {});
  const fields = params.map(([name, value]) => `    ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)}: ${paramField(value)},`).join('\n');
  return `/**
 * v2 strategy "${id}", migrated by \`botv3 migrate strategies\` from strategies.yaml: exchange ${exchange},
 * symbols ${strategy.symbols.join(', ')}, timeframe ${strategy.timeframe}. Its position size and stop loss are the
 * trader's risk_params in botv3.yaml.
 *
 * NOT YET PORTED. v2 ran it as a MigratedStrategy(BaseStrategy) whose \`async analyze(market_data)\`
 * returned signals. Write that logic in \`onCandle\` below: it gets each closed candle of the trader's
 * timeframe and the trader (\`trader.position(symbol)\`, \`trader.mark(symbol)\`), and returns
 * \`{ symbol, action: 'BUY' | 'SELL' | 'CLOSE', reason }\` signals. Then delete the \`notPorted\` line:
 * \`botv3 check\` reports this module until it is gone. Indicators: import them from 'trading-signals'.
 */
import { defineStrategy, z } from 'bot-trading-v3/strategy';

export default defineStrategy({
  type: ${JSON.stringify(id)},
  description: ${JSON.stringify(`v2 strategy ${id}`)},
  notPorted: 'analyze(market_data) from v2 is still to be written as onCandle',
  // v2's params, with v2's values as defaults.
  params: z.strictObject({${fields ? `\n${fields}\n  ` : ''}}),
  // Closed candles per symbol the logic needs before its first signal (its longest lookback).
  warmup: () => 0,
  create(_params) {
    return {
      onCandle(_candle, _trader) {
        // TODO(port): v2's analyze(market_data).
        return [];
      },
    };
  },
});
`;
}
