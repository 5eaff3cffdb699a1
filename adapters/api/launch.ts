import type { Logger } from 'pino';
import { PlatformControl, type ControlOptions } from '../../actors/platform/control.js';
import { platformTree, stopPlatform } from '../../actors/platform/tree.js';
import { ActorSystem, type ActorSystemOptions, type ShutdownReport } from '../../runtime/system.js';
import { DEFAULT_RULES_FILE, loadAlertRules } from '../alerts/rules.js';
import { startAlerts, type RunningAlerts } from '../alerts/run.js';
import type { PlatformConfig } from '../config/schema.js';
import { startTelegram, telegramMetrics, telegramToken, type RunningTelegram } from '../telegram/start.js';
import { ApiFeed, startApiServer, STREAM_OUTLET, type ApiServer } from './server.js';
import type { TokenStore } from './tokens.js';

/** The outlet the Telegram notifier reads the hub's events from. */
export const TELEGRAM_OUTLET = 'outlet.telegram';

export interface RunningPlatform {
  system: ActorSystem;
  control: PlatformControl;
  api: ApiServer;
  alerts: RunningAlerts;
  /** The Telegram bot, when a token is configured. */
  telegram: RunningTelegram | undefined;
  /** Stops the alerts and the bot, closes the API, then stops the platform gracefully (mailboxes drained). */
  stop(): Promise<ShutdownReport>;
}

/**
 * Starts the supervision tree of `config` with the API in front of it, the hub pushing events to the
 * API's stream (and to the Telegram notifier), the alert rules evaluated, and the Telegram bot when a
 * token is configured. A broken rule file is refused before anything starts.
 */
export async function launchPlatform(
  config: PlatformConfig,
  options: ControlOptions & { tokens: TokenStore; version: string; log: Logger; env?: NodeJS.ProcessEnv; system?: Omit<ActorSystemOptions, 'outlets' | 'logger'> },
): Promise<RunningPlatform> {
  const { log, version } = options;
  const env = options.env ?? process.env;
  const rules = loadAlertRules(config.alerts.file ?? DEFAULT_RULES_FILE, Object.keys(config.alerts.actions));
  const token = telegramToken(config.telegram, env);
  const feed = new ApiFeed();
  const notices = new ApiFeed();
  const outlets = { [STREAM_OUTLET]: feed.outlet, ...(token ? { [TELEGRAM_OUTLET]: notices.outlet } : {}) };
  const tree = platformTree(config, { ...options.platform, outlets: Object.keys(outlets) });
  const system = await ActorSystem.start(tree, { ...options.system, logger: log, outlets });
  const control = new PlatformControl(system, config, options);
  const telegram = token ? startTelegram({ config: config.telegram, token, env, control, version, log }) : undefined;
  if (telegram) notices.plug((events) => telegram.notifier.observe(events));
  const alerts = startAlerts({ system, control, config: config.alerts, rules, log, ...(telegram ? { telegram: telegram.notifier } : {}) });
  let api: ApiServer;
  try {
    api = await startApiServer({ system, control, tokens: options.tokens, feed, config: config.api, version, log, alerts, ...(telegram?.routes ? { routes: telegram.routes } : {}) });
  } catch (error) {
    alerts.stop();
    await telegram?.stop();
    await system.shutdown();
    throw error;
  }
  if (telegram) telegramMetrics(telegram, api.registry);
  return {
    system,
    control,
    api,
    alerts,
    telegram,
    stop: async () => {
      alerts.stop();
      await telegram?.stop();
      await api.close();
      return stopPlatform(system, config);
    },
  };
}
