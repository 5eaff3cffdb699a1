#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TradingError } from '../../actors/trading/errors.js';
import type { DatabaseWait } from '../database/connect.js';
import { loadConfig, parseConfig } from '../config/load.js';
import { prometheusRules } from '../alerts/prometheus.js';
import { DEFAULT_RULES_FILE, loadAlertRules } from '../alerts/rules.js';
import { EXCHANGE_IDS, type ExchangeId } from '../exchanges/profiles/index.js';
import { SCOPES, TokenStore, type Scope } from '../api/tokens.js';
import { MigrationError } from '../../migrate/errors.js';
import { dataDir } from './data-dir.js';
import { CLUSTER_DEFAULTS, NODE_ID } from '../cluster/options.js';
import { apiMapCommand, migrateCommands } from './migrate.js';

// A command imports the platform, the database client or ccxt when it runs (ccxt alone is over a
// second of CPU): `tokens`, `alerts`, `api-map` and `--help` start without them.

// dist/ adds one level above the source tree.
const packageJson = new URL(import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json', import.meta.url);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

function wholeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more, got "${value}"`);
    return n;
  };
}

function seconds(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of seconds, 0 or more, got "${value}"`);
    return n;
  };
}

/** `--db-wait`, else `BOTV3_DB_WAIT_S`, else the command's own default. */
function dbWaitOption(defaultS: number): Option {
  return new Option('--db-wait <seconds>', 'how long to keep trying a database server that cannot be reached (DATABASE_URL)')
    .env('BOTV3_DB_WAIT_S')
    .argParser(seconds('--db-wait'))
    .default(defaultS);
}

/** Each failed attempt at the database is a line on standard error; the last failure is the command's error. */
const dbWait = (s: number): DatabaseWait => ({ ms: s * 1000, onRetry: (line) => process.stderr.write(`${line}\n`) });

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`--port must be 0 to 65535, got "${value}"`);
  return n;
}

function nodeId(value: string): string {
  if (!NODE_ID.test(value)) throw new InvalidArgumentError(`a node id is 1 to 48 letters, digits, _ and -, got "${value}"`);
  return value;
}

function natsServers(value: string): string[] {
  const servers = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const server of servers) {
    if (!/^(nats|tls|wss?):\/\/[^/\s]+$/.test(server)) throw new InvalidArgumentError(`--cluster takes NATS URLs such as nats://127.0.0.1:4222, got "${server}"`);
  }
  if (servers.length === 0) throw new InvalidArgumentError('--cluster needs at least one NATS URL');
  return servers;
}

/** A node id unique on its machine: its host name and process id. */
function defaultNodeId(): string {
  return `${hostname().replace(/[^\w-]/g, '-').slice(0, 36)}-${process.pid}`;
}

const program = new Command('botv3').description('BOT Trading v3').version(version);

program
  .command('start')
  .description('run the traders of a config file (default: demo traders) on the paper exchange')
  .option('-c, --config <file>', 'platform config, YAML or JSON')
  .option('--summary-ms <ms>', 'interval between summaries', positiveNumber('--summary-ms'), 5_000)
  .option('--duration <seconds>', 'stop by itself after this long', positiveNumber('--duration'))
  .option('--events', 'print every event as a JSON line once it is stored')
  .option('--until-replayed', "stop by itself once every paper exchange replaying candles has handed out its last, and the events of it are stored")
  .option('--port <port>', "the API's port (0: any free one); default the config's api.port, 8080", port)
  .option('--host <host>', "the API's address; default the config's api.host, 127.0.0.1")
  .addOption(dbWaitOption(30))
  .option('--cluster <urls>', 'run as a node of a cluster: its NATS servers, comma-separated (nats://127.0.0.1:4222); needs DATABASE_URL')
  .option('--node <id>', "this node's id in the cluster (default: host name and process id)", nodeId)
  .action(async (options: { config?: string; summaryMs: number; duration?: number; events?: boolean; untilReplayed?: boolean; port?: number; host?: string; dbWait: number; cluster?: string; node?: string }) => {
    if (options.node !== undefined && options.cluster === undefined) throw new InvalidArgumentError('--node names a cluster node: give --cluster too');
    const { start } = await import('./start.js');
    const clean = await start({
      ...(options.cluster !== undefined ? { cluster: { servers: natsServers(options.cluster), node: options.node ?? defaultNodeId() } } : {}),
      summaryMs: options.summaryMs,
      version,
      events: options.events === true,
      untilReplayed: options.untilReplayed === true,
      dbWait: dbWait(options.dbWait),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.duration !== undefined ? { durationS: options.duration } : {}),
    });
    process.exitCode = clean ? 0 : 1;
    // A part abandoned at its deadline may still hold the event loop: it does not hold the process.
    setTimeout(() => process.exit(), 1_000).unref();
  });

program
  .command('check')
  .description('validate a platform config file as start does, without the network, and print its traders')
  .argument('<file>', 'platform config, YAML or JSON')
  .action(async (file: string) => {
    const marketsDir = join(dataDir(), 'markets');
    const { checkConfig } = await import('./check.js');
    const { config, unchecked, notPorted } = await checkConfig(file, marketsDir);
    process.stdout.write(`${file}: valid, ${config.traders.length} trader(s): ${config.traders.map((t) => t.id).join(', ')}\n`);
    for (const { field, file: module, note } of notPorted) process.stdout.write(`${file}: ${field}: ${module} is not yet ported: ${note}\n`);
    for (const name of unchecked) {
      process.stdout.write(`${file}: the symbols on exchange "${name}" were not checked against its markets: no cached markets in ${marketsDir} (botv3 start caches them)\n`);
    }
  });

program
  .command('backtest')
  .description("run a config's traders over recorded candles with the live trader code and the paper engine, on a simulated clock; prints a summary and writes report.json")
  .requiredOption('-c, --config <file>', 'platform config, YAML or JSON')
  .requiredOption('--data <dir>', 'candles as CSV (ts,open,high,low,close,volume), one file per symbol and timeframe: DIR/BTC-USDT/1m.csv')
  .option('--from <time>', 'first candle (ms since the epoch or an ISO date, UTC)')
  .option('--to <time>', 'end, exclusive')
  .option('--out <dir>', 'where report.json goes', 'backtest')
  .option('--timeframe <tf>', 'candles read from the data folder; strategies aggregate them to their own timeframe', '1m')
  .option('--slippage-bps <bp>', 'basis points a market order pays beyond the next open', wholeNumber('--slippage-bps'), 0)
  .option('--sweep <grid>', 'run every combination of strategy params, in parallel, and rank them: fast=5:20:5,slow=20:60:10')
  .action(async (options: { config: string; data: string; from?: string; to?: string; out: string; timeframe: string; slippageBps: number; sweep?: string }) => {
    const { backtest } = await import('./backtest.js');
    await backtest(options, print);
  });

const cluster = program.command('cluster').description('the nodes of a cluster (botv3 start --cluster)');
cluster
  .command('drain')
  .description("move a node's traders to the other nodes (before maintenance); it takes none until restarted")
  .argument('<node>', "the node's id", nodeId)
  .requiredOption('--cluster <urls>', 'NATS servers, comma-separated')
  .option('--name <name>', "the cluster's name (the config's cluster.name)", nodeId, CLUSTER_DEFAULTS.name)
  .option('--timeout <seconds>', 'give up waiting after this long', positiveNumber('--timeout'), 120)
  .action(async (node: string, options: { cluster: string; name: string; timeout: number }) => {
    const { drainNode } = await import('./cluster.js');
    const moved = await drainNode(natsServers(options.cluster), options.name, node, options.timeout * 1000);
    console.log(moved.length > 0 ? `${node} drained: ${moved.join(', ')} moved to the other nodes` : `${node} drained: it ran no trader`);
  });

const data = program.command('data').description('recorded market data for backtests');
data
  .command('download')
  .description("an exchange's public candles, through ccxt, into DIR/BTC-USDT/1m.csv and so on; run again, it resumes")
  .requiredOption('--exchange <id>', `one of ${EXCHANGE_IDS.join(', ')}`)
  .requiredOption('--symbols <list>', 'comma-separated: BTC/USDT,ETH/USDT', (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--timeframe <tf>', 'candle length', '1m')
  .requiredOption('--from <time>', 'first candle (ms since the epoch or an ISO date, UTC)')
  .option('--to <time>', 'end, exclusive (default: now)')
  .option('--data <dir>', 'the data folder', join(dataDir(), 'candles'))
  .option('--sandbox', "the exchange's testnet", false)
  .option('--endpoint <url>', 'send every request to this origin (a proxy or a replay)')
  .action(async (options: { exchange: string; symbols: string[]; timeframe: string; from: string; to?: string; data: string; sandbox: boolean; endpoint?: string }) => {
    if (!(EXCHANGE_IDS as string[]).includes(options.exchange)) program.error(`unknown exchange: ${options.exchange}; known: ${EXCHANGE_IDS.join(', ')}`);
    const { downloadCommand } = await import('./data.js');
    await downloadCommand({ ...options, exchange: options.exchange as ExchangeId }, print);
  });

const db = program.command('db').description('the database: DATABASE_URL, or the embedded PostgreSQL in $BOTV3_DATA_DIR/pglite (default ./data/pglite)');
const print = (line: string) => process.stdout.write(`${line}\n`);
db.command('status')
  .description('list applied and pending schema migrations')
  .addOption(dbWaitOption(0))
  .action(async (options: { dbWait: number }) => (await import('./db.js')).dbStatus(print, dbWait(options.dbWait)));
db.command('migrate')
  .description('apply pending schema migrations')
  .addOption(dbWaitOption(0))
  .action(async (options: { dbWait: number }) => (await import('./db.js')).dbMigrate(print, dbWait(options.dbWait)));

const exchanges = program.command('exchanges').description('exchanges reached through ccxt');
exchanges
  .command('verify')
  .description('load the markets and fetch the balance of each exchange: those of a config, those named, or those with keys')
  .argument('[exchanges...]', `any of ${EXCHANGE_IDS.join(', ')}`)
  .option('-c, --config <file>', "check the config's ccxt exchanges, with their settings")
  .option('--account <name>', 'whose keys', 'default')
  .option('--keys <file>', 'owner-only YAML file of keys, after the environment')
  .option('--sandbox', "the exchanges' testnets", false)
  .option('--endpoint <url>', 'send every request to this origin (a proxy or a replay)')
  .option('--timeout-ms <ms>', 'per request', positiveNumber('--timeout-ms'), 10_000)
  .action(async (names: string[], options: { config?: string; account: string; keys?: string; sandbox: boolean; endpoint?: string; timeoutMs: number }) => {
    const unknown = names.filter((n) => !(EXCHANGE_IDS as string[]).includes(n));
    if (unknown.length > 0) program.error(`unknown exchange(s): ${unknown.join(', ')}; known: ${EXCHANGE_IDS.join(', ')}`);
    const { formatVerifyTable, targetsOfConfig, targetsOfNames, verifyExchanges } = await import('./exchanges.js');
    const targets = options.config
      ? targetsOfConfig(loadConfig(options.config))
      : targetsOfNames(names as ExchangeId[], {
          account: options.account,
          sandbox: options.sandbox,
          ...(options.keys !== undefined ? { keysFile: options.keys } : {}),
          ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        });
    if (targets.length === 0) {
      print(options.config ? `${options.config} has no ccxt exchange.` : `No exchange has keys for account "${options.account}": name the exchanges to check their public endpoints.`);
      return;
    }
    const rows = await verifyExchanges(targets, { timeoutMs: options.timeoutMs });
    print(formatVerifyTable(rows));
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  });

apiMapCommand(program);

const tokens = program.command('tokens').description('API tokens, kept hashed in $BOTV3_DATA_DIR/api-tokens.json');
const tokenStore = () => TokenStore.open(join(dataDir(), 'api-tokens.json'));
tokens
  .command('create')
  .description('create a token and print it (the only time it is shown)')
  .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, scopeList)
  .option('--name <name>', 'what it is for', 'cli')
  .action((options: { scopes: Scope[]; name: string }) => {
    const token = tokenStore().create(options.name, options.scopes);
    print(`${token.token}\n(id ${token.id}, scopes ${token.scopes.join(', ')}; shown once)`);
  });
tokens
  .command('list')
  .description('list tokens (ids, names and scopes; never the tokens)')
  .action(() => {
    for (const t of tokenStore().list()) print(`${t.id}  ${t.scopes.join(',').padEnd(16)}  ${t.createdAt}  ${t.name}`);
  });
tokens
  .command('revoke')
  .description('revoke a token: a running platform refuses it from its next request and closes its streams')
  .argument('<id>', 'the token id, from `tokens list`')
  .action((id: string) => {
    if (!tokenStore().revoke(id)) program.error(`no token "${id}"`);
    print(`revoked ${id}`);
  });

program
  .command('alerts')
  .description('alert rules')
  .command('export')
  .description('write the alert rules as a Prometheus alerting-rules file, for Prometheus and Alertmanager')
  .option('-c, --config <file>', 'platform config whose alerts.file and alerts.actions to use')
  .option('-r, --rules <file>', 'rule file (default: the config\'s alerts.file, else the rules shipped with v3)')
  .option('-o, --out <file>', 'write here instead of standard output')
  .action((options: { config?: string; rules?: string; out?: string }) => {
    const alerts = options.config ? loadConfig(options.config).alerts : parseConfig({ traders: [{ id: 'none' }] }).alerts;
    const rules = loadAlertRules(options.rules ?? alerts.file ?? DEFAULT_RULES_FILE, Object.keys(alerts.actions));
    const text = prometheusRules(rules);
    if (options.out) {
      writeFileSync(options.out, text);
      print(`wrote ${rules.length} rule(s) to ${options.out}`);
    } else process.stdout.write(text);
  });

migrateCommands(program);

function scopeList(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length > 0 || scopes.length === 0) throw new InvalidArgumentError(`unknown scope(s) ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

try {
  await program.parseAsync();
} catch (error) {
  // A config, database or migration mistake is the user's to fix: say what, without a stack trace.
  const { DatabaseError } = await import('../database/errors.js');
  if (!(error instanceof TradingError) && !(error instanceof DatabaseError) && !(error instanceof MigrationError)) throw error;
  process.stderr.write(`botv3: ${error.message}\n`);
  process.exitCode = 2;
}
