import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { HubEvent } from '../../actors/events/hub.js';
import { fixedToString } from '../../actors/trading/fixed.js';
import { Deque } from '../../runtime/deque.js';
import type { TelegramConfig } from '../config/schema.js';

/** `trade_executed`, `error_alert` and `daily_report` can each be switched off; `alert` (alert rules' actions) always goes. */
export type NotificationKind = keyof TelegramConfig['notifications'] | 'alert';

/** Lines of one kind shown in a batch; the rest are counted. */
const SHOWN = 10;
/** Telegram's limit is 4,096 characters a message. */
const MAX_TEXT = 4_000;

/**
 * Notifications to the configured chats, batched and rate-limited: everything told within `batchMs`
 * goes out as one message (a thousand fills are one message that shows ten and counts the rest), and
 * at most `maxMessagesPerMinute` messages a minute leave; beyond that, notifications wait for the next
 * batch. Sending happens in the background, one message after the other, with grammy's auto-retry
 * handling 429 `retry_after` and network failures: whoever notifies never waits and never fails.
 */
export class TelegramNotifier {
  readonly #api: Api;
  readonly #chatIds: readonly number[];
  readonly #config: TelegramConfig;
  readonly #log: Logger;
  #pending: { kind: NotificationKind; text: string }[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #sentAt = new Deque<number>(64);
  #sending: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Messages sent and given up on, for tests and the status. */
  readonly stats = { messages: 0, failed: 0 };

  constructor(api: Api, config: TelegramConfig, log: Logger) {
    this.#api = api;
    this.#chatIds = config.chatIds;
    this.#config = config;
    this.#log = log;
  }

  notify(kind: NotificationKind, text: string): void {
    if (this.#stopped || this.#chatIds.length === 0) return;
    if (kind !== 'alert' && !this.#config.notifications[kind]) return;
    this.#pending.push({ kind, text });
    this.#timer ??= setTimeout(() => this.#flush(), this.#config.batchMs);
  }

  /** Fills as `trade_executed`, platform errors (a lost database, say) as `error_alert`; alert rules speak through their actions. */
  observe(events: readonly HubEvent[]): void {
    for (const e of events) {
      if (e.kind === 'fill') {
        this.notify('trade_executed', `${e.traderId} ${e.side.toUpperCase()} ${fixedToString(e.fill.quantity)} ${e.symbol} @ ${fixedToString(e.fill.price)} (fee ${fixedToString(e.fill.fee)} ${e.fill.feeAsset})`);
      } else if (e.kind === 'alert' && e.level === 'error' && e.rule === undefined) {
        this.notify('error_alert', `${e.source}: ${e.message}`);
      }
    }
  }

  /** Sends what is pending now (when the rate allows), and resolves once it left. */
  async flush(): Promise<void> {
    this.#flush();
    await this.#sending;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const now = Date.now();
    while (this.#sentAt.length > 0 && this.#sentAt.peek()! <= now - 60_000) this.#sentAt.shift();
    if (this.#sentAt.length >= this.#config.maxMessagesPerMinute) {
      // Over the rate: keep batching until the oldest message of the minute ages out.
      this.#timer = setTimeout(() => this.#flush(), this.#sentAt.peek()! + 60_000 - now);
      return;
    }
    this.#sentAt.push(now);
    const text = batchText(this.#pending);
    this.#pending = [];
    for (const chat of this.#chatIds) {
      this.#sending = this.#sending.then(() =>
        this.#api.sendMessage(chat, text).then(
          () => void this.stats.messages++,
          (error: Error) => {
            this.stats.failed++;
            this.#log.warn({ chat, err: error.message }, 'telegram: a notification could not be sent');
          },
        ),
      );
    }
  }
}

const TITLES: Record<NotificationKind, string> = { trade_executed: 'trades executed', error_alert: 'errors', daily_report: 'daily report', alert: 'alerts' };

/** One message for a batch: alerts and errors first, then reports, then trades; long lists are cut and counted. */
export function batchText(items: readonly { kind: NotificationKind; text: string }[]): string {
  const parts: string[] = [];
  for (const kind of ['alert', 'error_alert', 'daily_report', 'trade_executed'] as const) {
    const lines = items.filter((i) => i.kind === kind).map((i) => i.text);
    if (lines.length === 0) continue;
    if (lines.length === 1) {
      parts.push(lines[0]!);
      continue;
    }
    const more = lines.length > SHOWN ? [`... and ${lines.length - SHOWN} more`] : [];
    parts.push([`${lines.length} ${TITLES[kind]}:`, ...lines.slice(0, SHOWN), ...more].join('\n'));
  }
  const text = parts.join('\n\n');
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

/** The next time of day `hhmm` (UTC) after `now`. */
export function nextDailyAt(now: number, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const day = new Date(now);
  const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m);
  return at > now ? at : at + 86_400_000;
}
