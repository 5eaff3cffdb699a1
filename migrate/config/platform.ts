import { Document, parse, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { parseConfig } from '../../adapters/config/load.js';
import { PAPER_MARKETS } from '../../adapters/paper/markets.js';
import { MigrationError } from '../errors.js';
import type { Report } from './source.js';
import type { MigratedStrategy } from './strategies.js';
import { V2_COMMANDS, V3_ONLY_COMMANDS, type TelegramSection } from './telegram.js';

export const PLATFORM_FILE = 'botv3.yaml';

export interface PlatformInput {
  strategies: MigratedStrategy[];
  /** Every trader on one paper exchange, for a dry trial. */
  paper: boolean;
  /** v2's `WEB_PORT`. */
  apiPort?: number;
  telegram?: TelegramSection;
  /** Exchanges with keys for the `default` account in the new `.env`. */
  keyedExchanges: readonly string[];
}

export interface PlatformMigration extends Report {
  /** botv3.yaml's text, checked to load as v3's config. */
  yaml: string;
}

const HEADER = ` BOT Trading v3 platform config, written by \`botv3 migrate config\` from a v2 installation.
 Secrets (exchange keys, the bot token, the database password) are in .env, not here.
 Check it with \`botv3 check ${PLATFORM_FILE}\`; run it with \`botv3 start -c ${PLATFORM_FILE}\`.`;

/**
 * Writes botv3.yaml: an exchange entry per exchange the strategies use (or one paper exchange), a
 * trader per strategy, the API port and the Telegram section, with comments on what came from where.
 * The text written is loaded with v3's `parseConfig` before it is returned, so it is a config v3 runs.
 */
export function buildPlatformConfig(input: PlatformInput): PlatformMigration {
  const report: Report = { lines: [], warnings: [] };
  const used = [...new Set(input.strategies.map((s) => s.exchange))];
  const exchanges = input.paper ? { paper: { type: 'paper' } } : Object.fromEntries(used.map((name) => [name, { type: 'ccxt' }]));
  // On paper each trader keeps its own account (its id): traders sharing one would spend each other's balance.
  const traders = input.strategies.map((s) => ({ id: s.id, exchange: input.paper ? 'paper' : s.exchange, ...(input.paper ? {} : { account: 'default' }), strategy: s.strategy }));
  const doc = new Document({
    exchanges,
    traders,
    ...(input.apiPort === undefined ? {} : { api: { port: input.apiPort } }),
    ...(input.telegram ? { telegram: input.telegram } : {}),
  });

  doc.commentBefore = HEADER;
  pairOf(doc.contents, 'exchanges').key.commentBefore = input.paper
    ? ` --paper: every trader on the simulated paper exchange, each with its own account of 10000 USDT.\n v2's exchanges: ${used.join(', ')}; migrate again without --paper to trade on them.`
    : ' Through ccxt. Keys of the "default" account are in .env: BOTV3_<EXCHANGE>_DEFAULT_API_KEY, _SECRET, _PASSWORD.';
  const tradersKey = pairOf(doc.contents, 'traders').key;
  tradersKey.spaceBefore = true;
  tradersKey.commentBefore = ' One per v2 strategy, named after it. orderNotional, the size of a BUY that gives no quantity,\n is v3\'s default (100 in quote): set it per trader.';
  if (input.apiPort !== undefined) {
    const api = pairOf(doc.contents, 'api').key;
    api.spaceBefore = true;
    api.commentBefore = " v2's WEB_PORT. v2's endpoints have new paths: `botv3 api-map` lists them.";
  }
  if (input.telegram) {
    const telegram = pairOf(doc.contents, 'telegram').key;
    telegram.spaceBefore = true;
    telegram.commentBefore = ` v2's telegram.yaml; the token is TELEGRAM_BOT_TOKEN in .env. v3's bot answers v2's commands\n /${V2_COMMANDS.join(', /')} under the same names, plus /${V3_ONLY_COMMANDS.join(', /')}.`;
    pairOf(doc.getIn(['telegram', 'notifications'], true), 'daily_report').value!.comment = ' v2 had no daily report switch; v3 sends one at dailyReportAt (20:00 UTC)';
  }

  const yaml = doc.toString();
  try {
    parseConfig(parse(yaml), PLATFORM_FILE);
  } catch (cause) {
    throw new MigrationError('ERR_V2_CONFIG', `the ${PLATFORM_FILE} written from v2's files does not load: ${(cause as Error).message}`, { cause });
  }

  for (const { id, exchange, strategy: s } of input.strategies) {
    const where = input.paper ? `paper (v2's exchange: ${exchange})` : exchange;
    report.lines.push(`strategy ${s.name} -> trader ${id} on ${where} (${s.symbols.join(', ')}), ${s.type}, ${s.timeframe}`);
  }
  if (input.paper) {
    const listed = new Set(PAPER_MARKETS.map((m) => m.symbol));
    for (const trader of traders) {
      const unlisted = trader.strategy.symbols.filter((symbol) => !listed.has(symbol));
      if (unlisted.length > 0) report.warnings.push(`trader ${trader.id}: the paper exchange does not list ${unlisted.join(', ')} (it lists ${[...listed].join(', ')})`);
    }
  } else {
    report.lines.push(`exchanges: ${used.join(', ')} (ccxt, account "default" for every trader)`);
    for (const name of used.filter((e) => !input.keyedExchanges.includes(e))) {
      const v2 = name.toUpperCase();
      report.warnings.push(`${name}: no ${v2}_API_KEY and ${v2}_API_SECRET in v2's .env, so its traders cannot place orders until BOTV3_${v2}_DEFAULT_API_KEY and _SECRET are set`);
    }
  }
  if (input.apiPort !== undefined) report.lines.push(`WEB_PORT=${input.apiPort} -> api.port: ${input.apiPort} (v2's endpoints have new paths: botv3 api-map)`);
  return { yaml, ...report };
}

/** An entry of a map the document was built with from plain data, where every key is a scalar. */
function pairOf(map: unknown, key: string): Pair<Scalar, Scalar | undefined> {
  return (map as YAMLMap<Scalar, Scalar>).items.find((item) => item.key.value === key)!;
}
