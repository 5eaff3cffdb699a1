import type { Logger } from 'pino';
import { PlatformControl, type ControlOptions } from '../../actors/platform/control.js';
import { LedgerWatch } from '../../actors/platform/ledger-watch.js';
import { PositionsView } from '../../actors/platform/positions-view.js';
import type { HubStreamMessage } from '../../actors/events/hub.js';
import type { Message } from '../../runtime/message.js';
import { platformTree, stopPlatform } from '../../actors/platform/tree.js';
import { ActorSystem, type ActorSystemOptions, type ShutdownReport } from '../../runtime/system.js';
import { DEFAULT_RULES_FILE, loadAlertRules } from '../alerts/rules.js';
import { startAlerts, type RunningAlerts } from '../alerts/run.js';
import type { PlatformConfig } from '../config/schema.js';
import { dashboardRoutes } from '../dashboard/serve.js';
import { startTelegram, telegramMetrics, telegramToken, type RunningTelegram } from '../telegram/start.js';
import { ApiFeed, startApiServer, STREAM_OUTLET, type ApiServer } from './server.js';
import type { TokenStore } from './tokens.js';
import type { ApiCluster } from './cluster.js';
import { ReadPool } from '../database/read-pool.js';

/** Connections the API's reads may use at once (fewer when the database takes fewer: the embedded one runs one query at a time). */
const READ_POOL = 2;

/** The outlet the API's positions are kept from (see `PositionsView`). */
export const POSITIONS_OUTLET = 'outlet.positions';

/** The outlet a cluster node reads the hub's events from: it acknowledges signals once stored and passes events to the other nodes. */
export const CLUSTER_OUTLET = 'outlet.cluster';

/** The outlet the Telegram notifier reads the hub's events from. */
export const TELEGRAM_OUTLET = 'outlet.telegram';

export interface RunningPlatform {
  system: ActorSystem;
  control: PlatformControl;
  api: ApiServer;
  alerts: RunningAlerts;
  /** The Telegram bot, when a token is configured. */
  telegram: RunningTelegram | undefined;
  /**
   * Stops the alerts and the bot, closes the API, then stops the platform gracefully (mailboxes
   * drained), each within its `config.shutdown` time; `shutdown` records what did not stop. The
   * report is undefined when the actors did not stop in time.
   */
  stop(shutdown?: Shutdown): Promise<ShutdownReport | undefined>;
}

/**
 * Stops parts one after another, each within its time. A part still stopping at its deadline is
 * abandoned (its signal aborts, so it can drop what it waits for) and the next one stops; what did not
 * stop cleanly is remembered, for the last line and the exit status.
 */
export class Shutdown {
  /** Parts abandoned at their deadline: `telegram (5 s)`. */
  readonly late: string[] = [];
  /** Parts whose stop failed: `api (EADDRINUSE ...)`. */
  readonly failed: string[] = [];

  get clean(): boolean {
    return this.late.length === 0 && this.failed.length === 0;
  }

  /** Runs `stop` for at most `ms`; resolves with its result, or undefined when it failed or was abandoned. */
  async step<T>(part: string, ms: number, stop: (deadline: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    try {
      const result = await Promise.race([stop(deadline.signal).then((value) => ({ value })), late]);
      if (result !== 'late') return result.value;
      deadline.abort();
      this.late.push(`${part} (${ms / 1000} s)`);
    } catch (error) {
      this.failed.push(`${part} (${(error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  }
}

/**
 * Starts the supervision tree of `config` with the API in front of it, the hub pushing events to the
 * API's stream (and to the Telegram notifier), the alert rules evaluated, and the Telegram bot when a
 * token is configured. A broken rule file is refused before anything starts.
 */
export async function launchPlatform(
  config: PlatformConfig,
  options: ControlOptions & {
    tokens: TokenStore;
    version: string;
    log: Logger;
    env?: NodeJS.ProcessEnv;
    system?: Omit<ActorSystemOptions, 'outlets' | 'logger'>;
    /** A cluster node's part in the API (forwarding) and in the events (every one, once stored). */
    cluster?: { api: ApiCluster; observe(events: HubStreamMessage['events']): void };
  },
): Promise<RunningPlatform> {
  const { log, version } = options;
  const env = options.env ?? process.env;
  const rules = loadAlertRules(config.alerts.file ?? DEFAULT_RULES_FILE, Object.keys(config.alerts.actions));
  const token = telegramToken(config.telegram, env);
  const feed = new ApiFeed();
  const notices = new ApiFeed();
  // Observing from the start: no event between the start and the table's first read is missed.
  // Not on a cluster node: its hub sees only its own traders' fills, so positions are read from the database.
  const positions = options.cluster ? undefined : new PositionsView();
  const outlets = {
    [STREAM_OUTLET]: feed.outlet,
    ...(positions ? { [POSITIONS_OUTLET]: (message: Message) => positions.observe((message as unknown as HubStreamMessage).events) } : {}),
    ...(options.cluster ? { [CLUSTER_OUTLET]: (message: Message) => options.cluster!.observe((message as unknown as HubStreamMessage).events) } : {}),
    ...(token ? { [TELEGRAM_OUTLET]: notices.outlet } : {}),
  };
  const tree = platformTree(config, { ...options.platform, outlets: Object.keys(outlets) });
  const system = await ActorSystem.start(tree, { ...options.system, logger: log, outlets });
  // The API's reads go to the database on a pool of their own, not through persistence's mailbox.
  const database = options.platform.database;
  const reads = database ? new ReadPool(database.url, Math.min(READ_POOL, database.poolSize)) : undefined;
  const control = new PlatformControl(system, config, { ...options, ...(reads ? { reads, ...(positions ? { positions } : {}) } : {}) });
  const telegram = token ? startTelegram({ config: config.telegram, token, env, control, version, log }) : undefined;
  if (telegram) notices.plug((events) => telegram.notifier.observe(events));
  const alerts = startAlerts({ system, control, config: config.alerts, rules, log, ...(telegram ? { telegram: telegram.notifier } : {}) });
  const ledgers = watchLedgers(system, config, log);
  let api: ApiServer;
  try {
    // Beside the API: the dashboard at `/`, and Telegram's webhook when it has one.
    const routes = await dashboardRoutes();
    if (telegram?.routes) routes.route('/', telegram.routes);
    api = await startApiServer({ system, control, tokens: options.tokens, feed, config: config.api, version, log, alerts, routes, ...(options.cluster ? { cluster: options.cluster.api } : {}) });
  } catch (error) {
    await stopParts(new Shutdown(), undefined);
    throw error;
  }
  if (telegram) telegramMetrics(telegram, api.registry);
  return {
    system,
    control,
    api,
    alerts,
    telegram,
    stop: (shutdown = new Shutdown()) => stopParts(shutdown, api),
  };

  /** Each ccxt exchange's accounts checked against their traders' ledgers every `ledgerCheckMs`; a check that fails is logged and tried at the next. */
  function watchLedgers(system: ActorSystem, config: PlatformConfig, log: Logger): NodeJS.Timeout[] {
    const watch = new LedgerWatch(system, config);
    return Object.entries(config.exchanges).flatMap(([name, exchange]) => {
      if (exchange.type !== 'ccxt') return [];
      const timer = setInterval(() => void watch.check(name).catch((error: Error) => log.warn({ exchange: name, err: error }, 'ledger check failed')), exchange.ledgerCheckMs);
      timer.unref();
      return [timer];
    });
  }

  async function stopParts(shutdown: Shutdown, api: ApiServer | undefined): Promise<ShutdownReport | undefined> {
    const times = config.shutdown;
    // Alerts first, so that none goes to a bot that has stopped; the bot's last notifications before the actors go.
    for (const timer of ledgers) clearInterval(timer);
    await shutdown.step('alerts', times.alertsMs, () => alerts.stop());
    if (telegram) await shutdown.step('telegram', times.telegramMs, (deadline) => telegram.stop(deadline));
    if (api) await shutdown.step('api', times.apiMs, () => api.close());
    const report = await shutdown.step('actors', times.actorsMs, () => stopPlatform(system, config));
    await reads?.close();
    return report;
  }
}
