import { autoRetry } from '@grammyjs/auto-retry';
import { webhookCallback } from 'grammy';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PlatformControl } from '../../actors/platform/control.js';
import type { TelegramConfig } from '../config/schema.js';
import { createTelegramBot } from './bot.js';
import { dailyReportText } from './format.js';
import { nextDailyAt, TelegramNotifier } from './notifier.js';

const STOP_FLUSH_MS = 2_000;

/** The bot's figures in the API's `/metrics`: refused updates and notifications sent or given up. */
export function telegramMetrics(telegram: RunningTelegram, registry: Registry): void {
  new Counter({
    name: 'botv3_telegram_refused_total',
    help: 'Telegram updates refused because their chat may not command the bot',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(telegram.refused());
    },
  });
  new Counter({
    name: 'botv3_telegram_messages_total',
    help: 'Telegram notification messages, sent or given up on',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'sent' }, telegram.notifier.stats.messages);
      this.inc({ result: 'failed' }, telegram.notifier.stats.failed);
    },
  });
}

export interface RunningTelegram {
  notifier: TelegramNotifier;
  /** Updates refused because their chat may not command the bot. */
  refused(): number;
  /** The webhook route, mounted on the API in `webhook` mode. */
  routes?: Hono;
  /** `polling for 2 chats`, for the banner. */
  describe: string;
  /**
   * Sends what the notifier holds (for up to 2 s), stops polling and saves the update offset. When
   * `deadline` aborts, every Bot API call still under way or retried is dropped, and the stop settles.
   */
  stop(deadline?: AbortSignal): Promise<void>;
}

/** The bot's token: `TELEGRAM_BOT_TOKEN`, else the config's; none, and there is no bot. */
export function telegramToken(config: TelegramConfig, env: NodeJS.ProcessEnv): string | undefined {
  return env.TELEGRAM_BOT_TOKEN || config.token;
}

/**
 * Starts the bot (long polling, or the webhook route), its notifier and the daily report. Calls to a
 * Bot API that cannot be reached are retried by grammy's auto-retry; if polling still cannot start it
 * is logged and the platform runs on without the bot's commands (notifications keep trying).
 */
export function startTelegram(options: { config: TelegramConfig; token: string; env: NodeJS.ProcessEnv; control: PlatformControl; version: string; log: Logger }): RunningTelegram {
  const { config, control, log } = options;
  const apiRoot = options.env.TELEGRAM_API_ROOT || config.apiRoot;
  const { bot, refused } = createTelegramBot({ token: options.token, chatIds: config.chatIds, control, version: options.version, log, ...(apiRoot ? { apiRoot } : {}) });
  // 429 `retry_after`, 5xx and network failures are retried with backoff, in the background of whoever sent.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
  // Auto-retry retries a network failure without end, grammy retries its first getMe without end and
  // without a signal, and a Bot API that accepts and never answers holds a call for minutes: every call
  // gets a signal that aborts when the stop's time is up. Outermost, so auto-retry sees it too; the
  // error then is not a network error, which grammy would retry.
  const dropped = new AbortController();
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (dropped.signal.aborted) throw new Error(`telegram stopped: ${method} dropped`);
    // Not AbortSignal.any: it ignores an abort of grammy's own signals (its abort-controller shim's).
    const call = new AbortController();
    const abort = () => call.abort();
    signal?.addEventListener('abort', abort);
    dropped.signal.addEventListener('abort', abort);
    if (signal?.aborted) abort();
    try {
      // grammy types its signals as the shim's; it only listens to them, as it does to a native one.
      return await prev(method, payload, call.signal as unknown as NonNullable<typeof signal>);
    } catch (error) {
      throw dropped.signal.aborted ? new Error(`telegram stopped: ${method} dropped`, { cause: error }) : error;
    } finally {
      // A bot makes calls for months: no listener may stay behind.
      signal?.removeEventListener('abort', abort);
      dropped.signal.removeEventListener('abort', abort);
    }
  });
  const notifier = new TelegramNotifier(bot.api, config, log);

  let reportTimer: NodeJS.Timeout | undefined;
  const scheduleReport = () => {
    const at = nextDailyAt(Date.now(), config.dailyReportAt);
    reportTimer = setTimeout(async () => {
      const date = new Date(at).toISOString().slice(0, 10);
      await control.traders().then(
        (traders) => notifier.notify('daily_report', dailyReportText(traders, date)),
        (error: Error) => log.warn({ err: error.message }, 'telegram: the daily report failed'),
      );
      scheduleReport();
    }, at - Date.now());
    reportTimer.unref();
  };
  if (config.notifications.daily_report) scheduleReport();

  let routes: Hono | undefined;
  let polling: Promise<void> | undefined;
  let stopping = false;
  if (config.mode === 'webhook' && config.webhook) {
    const { url, secretToken } = config.webhook;
    routes = new Hono().post('/telegram/webhook', webhookCallback(bot, 'hono', secretToken ? { secretToken } : {}));
    bot.api.setWebhook(url, secretToken ? { secret_token: secretToken } : {}).catch((error: Error) => log.error({ err: error.message }, 'telegram: setWebhook failed'));
  } else {
    // A stop aborts polling that never got going (a Bot API that did not answer): not an error then.
    polling = bot.start({ drop_pending_updates: false }).catch((error: Error) => {
      if (!stopping) log.error({ err: error.message }, 'telegram: polling stopped');
    });
  }
  const chats = `${config.chatIds.length} chat${config.chatIds.length === 1 ? '' : 's'}`;
  return {
    notifier,
    refused,
    ...(routes ? { routes } : {}),
    describe: `${routes ? `webhook at ${config.webhook!.url}` : 'long polling'}, ${chats}${apiRoot ? `, Bot API at ${apiRoot}` : ''}`,
    async stop(deadline) {
      stopping = true;
      deadline?.addEventListener('abort', () => dropped.abort(), { once: true });
      clearTimeout(reportTimer);
      // The last notifications get a moment to leave, not the whole stop: the offset is saved after them.
      await Promise.race([notifier.flush(), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS).unref())]);
      notifier.stop();
      if (bot.isRunning()) await bot.stop();
      await polling;
    },
  };
}
