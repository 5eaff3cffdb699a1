import { dirname, join, resolve } from 'node:path';
import { pino } from 'pino';
import type { HubStatusReply } from '../../actors/events/hub.js';
import { ADDRESSES, exchangeAddress } from '../../actors/platform/tree.js';
import { describePerpetual } from '../../actors/trader/describe.js';
import type { ReplayStatus } from '../paper/exchange.js';
import { fixedToString, toJson } from '../../actors/trading/fixed.js';
import { DEMO_CONFIG } from '../config/demo.js';
import { loadConfig, parseConfig } from '../config/load.js';
import { resolveStrategies } from '../config/strategies.js';
import { traderExchange } from '../config/schema.js';
import type { DatabaseWait } from '../database/connect.js';
import { preparePlatformDatabase } from '../database/prepare.js';
import { chooseReviewer } from '../../ai/setup.js';
import { launchPlatform, Shutdown } from '../api/launch.js';
import { TokenStore } from '../api/tokens.js';
import { dataDir, embeddedDataDir } from './data-dir.js';
import { TradingError } from '../../actors/trading/errors.js';

export interface StartOptions {
  /** A YAML or JSON platform config; the demo traders when absent. */
  config?: string;
  /** How often a summary is printed. */
  summaryMs: number;
  /** Stop by itself after this many seconds (smoke tests); runs until Ctrl-C when absent. */
  durationS?: number;
  /** Print every event the platform reports (once stored) as a JSON line. */
  events?: boolean;
  /** Stop by itself once every replaying paper exchange has ended its replay and the hub has every fill of it. */
  untilReplayed?: boolean;
  /** Overrides the config's `api.port` / `api.host`. */
  port?: number;
  host?: string;
  /** How long to wait for a database server (`DATABASE_URL`) that cannot be reached yet. */
  dbWait?: DatabaseWait;
  /** Run as a node of a cluster: its NATS servers and this node's id (see `adapters/cluster`). */
  cluster?: { servers: string[]; node: string };
  version: string;
  out?: NodeJS.WritableStream;
}

/**
 * `botv3 start`: runs the traders of a config on their exchanges, printing a live summary until Ctrl-C.
 * Resolves true when every part stopped cleanly in its time (`config.shutdown`), false when one was
 * abandoned or failed to stop, and may still hold the event loop.
 */
export async function start(options: StartOptions): Promise<boolean> {
  const out = options.out ?? process.stdout;
  const print = (line: string) => out.write(`${line}\n`);
  const config = options.config ? loadConfig(options.config) : parseConfig(DEMO_CONFIG, 'the demo config');
  if (options.config) await resolveStrategies(config, dirname(resolve(options.config)), options.config);
  const marketsDir = join(dataDir(), 'markets');
  // ccxt takes half a second to load: only when an exchange needs it.
  const ccxt = Object.values(config.exchanges).some((e) => e.type === 'ccxt') ? await import('../exchanges/markets.js') : undefined;
  // An exchange that cannot be reached is no reason to stop the others: its traders wait for it (below).
  const { markets, unreachable } = ccxt ? await ccxt.loadReachableMarkets(config, marketsDir) : { markets: {}, unreachable: {} };
  const reasons: Record<string, string> = Object.fromEntries(Object.entries(unreachable).map(([name, e]) => [name, `${e.code} ${e.message}`]));
  // A `claude` reviewer without a key is refused here, naming the setting, not by a reviewer that keeps crashing.
  const reviewer = chooseReviewer(config.ai, process.env);
  if (options.cluster && !process.env.DATABASE_URL) {
    throw new TradingError('ERR_INVALID_CONFIG', 'the nodes of a cluster share one database: set DATABASE_URL to a PostgreSQL server they all reach', { field: '--cluster' });
  }
  const database = await preparePlatformDatabase({ url: process.env.DATABASE_URL, dataDir: embeddedDataDir(), ...(options.dbWait ? { wait: options.dbWait } : {}) });
  if (options.port !== undefined) config.api.port = options.port;
  if (options.host !== undefined) config.api.host = options.host;
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const tokens = TokenStore.open(join(dataDir(), 'api-tokens.json'));
  // NATS's client loads only for a cluster.
  const member = options.cluster
    ? await (await import('../cluster/member.js')).ClusterMember.connect({ ...options.cluster, ...config.cluster }, config.traders.map((t) => t.id), log).catch(async (error: Error) => {
        await database.stop();
        throw new TradingError('ERR_INVALID_CONFIG', `cannot join the cluster at ${options.cluster!.servers.join(', ')}: ${error.message}`, { field: '--cluster', cause: error });
      })
    : undefined;
  const platform = await launchPlatform(config, {
    ...(member ? { route: (batches) => member.bus.publish(batches), cluster: { api: member.api, observe: member.observe } } : {}),
    platform: {
      ...(member ? { node: member.options.node, leases: member.leases.shared } : {}),
      // Nodes on one machine may share a data directory: each keeps its own journal.
      database: { url: database.url, poolSize: database.poolSize, journalPath: join(dataDir(), member ? `journal-${member.options.node}.ndjson` : 'journal.ndjson') },
      balances: database.balances,
      positions: database.positions,
      markets,
      marketsDir,
      // A copy: the control forgets each exchange once its traders start.
      unreachable: { ...reasons },
    },
    database: { kind: database.kind, where: database.where },
    tokens,
    version: options.version,
    log,
  }).catch(async (error: unknown) => {
    await member?.leave();
    await database.stop();
    throw error;
  });
  const { system, control, api } = platform;
  if (member) {
    member.options.api = api.url;
    await member.join({ system, control, api, config }).catch(async (error: unknown) => {
      await member.leave().catch(() => {});
      await platform.stop();
      await database.stop();
      throw error;
    });
  }
  const firstToken = tokens.size === 0 ? tokens.create('first start', ['admin']) : undefined;
  const ccxtNames = Object.entries(config.exchanges).flatMap(([name, e]) => (e.type === 'ccxt' ? [name] : []));
  print(`BOT Trading v3 ${options.version}`);
  print(`Config: ${options.config ?? 'demo traders (no --config given)'}`);
  print(`Database: ${database.kind} (${database.where})`);
  const exchangeNote = (name: string) => (reasons[name] ? `, UNREACHABLE: ${reasons[name]}, its traders wait and retry` : '');
  print(`Exchanges: ${Object.entries(config.exchanges).map(([name, e]) => `${name} (${e.type === 'paper' ? `paper, seed ${e.seed}` : `ccxt ${e.exchange ?? name}${e.sandbox ? ' testnet' : ''}`}${exchangeNote(name)})`).join(', ')}`);
  print(`Traders: ${config.traders.map((t) => `${t.id} (${t.strategy ? `${t.strategy.type} on ${t.strategy.symbols.join(', ')}` : 'outside signals'})`).join(', ')}`);
  print(`Reviewer: ${reviewer.kind} (${reviewer.describe})`);
  print(`Telegram: ${platform.telegram ? platform.telegram.describe : 'off (set TELEGRAM_BOT_TOKEN and telegram.chatIds)'}`);
  print(`Alerts: ${platform.alerts.states().length} rules from ${config.alerts.file ?? 'the default rules'}, every ${config.alerts.evaluateMs / 1000} s (GET /api/v1/alerts)`);
  print(`API: ${api.url}/api/v1 (stream ${api.url.replace(/^http/, 'ws')}/ws/v1/stream, metrics ${api.url}/metrics)`);
  print(`Dashboard: ${api.url}/ (API reference ${api.url}/docs)`);
  if (member) print(`Cluster: node ${member.options.node} on ${member.options.servers.join(', ')}; traders start here as this node takes their leases (${api.url}/api/v1/cluster)`);
  if (firstToken) print(`API token (admin, shown once; stored hashed in ${tokens.path}): ${firstToken.token}`);
  print('Press Ctrl-C to stop.');

  // The traders of an exchange unreachable at start start once it answers. Both are printed and go to
  // the hub as alerts (the API's `system` channel, `--events`, Telegram); its status says down meanwhile.
  const notice = (level: 'info' | 'warn' | 'error', message: string) => {
    print(`Exchanges: ${message}`);
    system.send(ADDRESSES.events, { type: 'alert', source: 'exchanges', level, message, at: Date.now() });
  };
  const waiting = new AbortController();
  const waits = Object.entries(reasons).map(async ([name, reason]) => {
    const traders = config.traders.filter((t) => traderExchange(t) === name).map((t) => t.id);
    notice('warn', `${name} unreachable at start (${reason}); its traders (${traders.join(', ')}) wait and retry`);
    try {
      const loaded = await ccxt!.waitForTradingMarkets(config, name, marketsDir, waiting.signal);
      notice('info', `${name} answered; traders started: ${(await control.startWaitingTraders(name, loaded)).join(', ')}`);
    } catch (error) {
      if (!waiting.signal.aborted) notice('error', `${name} answered, but its traders cannot start: ${(error as Error).message}`);
    }
  });

  let lastSignals = 0;
  let lastAt = Date.now();
  const summary = async () => {
    const [traders, hub] = await Promise.all([control.traders(), system.request<HubStatusReply>(ADDRESSES.events, { type: 'status', recent: 0 })]);
    const statuses = traders.flatMap((t) => (t.live ? [{ ...t.live, pnl: t.pnl ?? 0n }] : []));
    const signals = statuses.reduce((sum, s) => sum + s.stats.signals, 0);
    const now = Date.now();
    const rate = now - lastAt >= 1_000 ? ` (${(((signals - lastSignals) * 1000) / (now - lastAt)).toFixed(1)}/s)` : '';
    if (rate) [lastSignals, lastAt] = [signals, now];
    const orders = statuses.reduce((sum, s) => sum + s.stats.orders, 0);
    const fills = statuses.reduce((sum, s) => sum + s.stats.fills, 0);
    // P&L: equity now less the starting USDT balance, at the current marks.
    const pnl = statuses.reduce((sum, s) => sum + s.pnl, 0n);
    const interventions = Object.values(hub.counters).reduce((sum, c) => sum + c.interventions, 0);
    const { uptimeMs, actors } = system.status();
    print(
      `[${Math.round(uptimeMs / 1000)}s] traders ${statuses.length}, signals ${signals}${rate}, orders ${orders}, fills ${fills}, ` +
        `P&L ${fixedToString(pnl)} USDT, interventions ${interventions}, restarts ${actors.reduce((s, a) => s + a.restarts, 0)}`,
    );
    if (ccxtNames.length > 0) {
      // From the control: it knows an exchange unreachable since the start, whose actor has made no call yet.
      const exchanges = (await control.exchanges()).filter((e) => e.type === 'ccxt');
      print(`  exchanges: ${exchanges.map((e) => `${e.name} ${e.connectivity}${e.lastError ? ` (${e.lastError.slice(0, 60)})` : ''}`).join(', ')}`);
    }
    for (const s of statuses) {
      const positions = Object.values(s.positions).filter((p) => p.quantity !== 0n);
      print(
        `  ${s.traderId.padEnd(14)} ${s.mode.padEnd(11)} equity ${fixedToString(s.equity).padStart(12)}  ` +
          (positions.length
            ? positions.map((p) => `${p.symbol} ${fixedToString(p.quantity)} @ ${fixedToString(p.avgEntry)}${s.margins[p.symbol] ? ` (${describePerpetual(p, s.margins[p.symbol]!)})` : ''}`).join(', ')
            : 'flat'),
      );
    }
  };
  const timer = setInterval(() => void summary().catch((error: Error) => print(`summary failed: ${error.message}`)), options.summaryMs);
  let seen = 0;
  const tail = async () => {
    const { recent } = await system.request<HubStatusReply>(ADDRESSES.events, { type: 'status', recent: 1_000, since: seen });
    if (recent.length > 0 && recent[0]!.seq > seen + 1) print(toJson({ kind: 'gap', missed: recent[0]!.seq - seen - 1 }));
    for (const event of recent) print(toJson(event));
    seen = recent.at(-1)?.seq ?? seen;
  };
  const eventsTimer = options.events ? setInterval(() => void tail().catch(() => {}), 100) : undefined;

  /** Every replay handed out to its end, and every fill the traders made of it stored and in the hub. */
  const replayed = async (): Promise<boolean> => {
    const replaying = Object.entries(config.exchanges).filter(([, e]) => e.type === 'paper' && e.replay !== undefined);
    const statuses = await Promise.all(replaying.map(([name]) => system.request<ReplayStatus>(exchangeAddress(name), { type: 'replayStatus' })));
    if (!statuses.every((s) => s.ended)) return false;
    const [traders, hub] = await Promise.all([control.traders(), system.request<HubStatusReply>(ADDRESSES.events, { type: 'status', recent: 0 })]);
    return traders.every((t) => (t.live?.stats.fills ?? 0) === (hub.counters[t.id]?.fills ?? 0));
  };
  let replayTimer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (options.durationS !== undefined) setTimeout(resolve, options.durationS * 1000);
    if (options.untilReplayed) replayTimer = setInterval(() => void replayed().then((done) => done && resolve(), () => {}), 100);
  });
  clearInterval(replayTimer);
  clearInterval(timer);
  clearInterval(eventsTimer);
  // No trader starts while the platform stops.
  waiting.abort();
  await Promise.all(waits);
  if (options.events) await tail().catch(() => {});
  await summary().catch(() => {});
  print(member ? 'Shutting down: handing traders to the other nodes, draining mailboxes...' : 'Shutting down: draining mailboxes...');
  const shutdown = new Shutdown();
  if (member) await shutdown.step('cluster', config.shutdown.actorsMs, () => member.leave());
  const report = await platform.stop(shutdown);
  await shutdown.step('database', config.shutdown.databaseMs, () => database.stop());
  const unstopped = [
    ...(shutdown.late.length > 0 ? [`Not stopped in time: ${shutdown.late.join(', ')}`] : []),
    ...(shutdown.failed.length > 0 ? [`Failed to stop: ${shutdown.failed.join(', ')}`] : []),
  ].join('; ');
  print(['Stopped.', report ? `Mailboxes drained: ${report.drained}.` : '', unstopped].filter(Boolean).join(' '));
  return shutdown.clean;
}
