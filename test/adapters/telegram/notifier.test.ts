import { autoRetry } from '@grammyjs/auto-retry';
import { Api } from 'grammy';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { dailyReportText } from '../../../adapters/telegram/format.js';
import { nextDailyAt, TelegramNotifier } from '../../../adapters/telegram/notifier.js';
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';
import { waitFor } from '../../helpers/wait.js';

let tg: FakeTelegram;
let notifiers: TelegramNotifier[];
beforeEach(async () => {
  tg = await startFakeTelegram();
  notifiers = [];
});
afterEach(async () => {
  for (const n of notifiers) n.stop();
  await tg.close();
});

function notifier(telegram: object = {}): TelegramNotifier {
  const config = parseConfig({ traders: [{ id: 'a' }], telegram: { chatIds: [1], batchMs: 50, ...telegram } }).telegram;
  const api = new Api(FAKE_BOT_TOKEN, { apiRoot: tg.url });
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 5 }));
  const n = new TelegramNotifier(api, config, pino({ level: 'silent' }));
  notifiers.push(n);
  return n;
}

const fill = (i: number): HubEvent =>
  ({
    kind: 'fill',
    traderId: 'alpha',
    seq: i,
    clientOrderId: `v3${i}`,
    signalId: `s${i}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    fill: { tradeId: `t${i}`, quantity: toFixed('0.01', 'q'), price: toFixed('95000.5', 'p'), fee: toFixed('0.95', 'f'), feeAsset: 'USDT', liquidity: 'taker' },
    position: {} as never,
    at: 0,
  }) as HubEvent;

describe('Telegram notifications', () => {
  it('turns a burst of a thousand fills into one message that shows ten and counts the rest', async () => {
    const n = notifier();
    n.observe(Array.from({ length: 1_000 }, (_, i) => fill(i)));
    await waitFor(() => tg.sent().length === 1, 'the batch');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(tg.sent()).toHaveLength(1);
    const text: string = tg.sent()[0]!.body.text;
    expect(text).toMatch(/^1000 trades executed:\nalpha BUY 0\.01 BTC\/USDT @ 95000\.5 \(fee 0\.95 USDT\)/);
    expect(text).toMatch(/\.\.\. and 990 more$/);
    expect(text.split('\n')).toHaveLength(12);
  });

  it('keeps to its messages per minute: the rest waits, still batched', async () => {
    const n = notifier({ maxMessagesPerMinute: 2 });
    for (const i of [1, 2, 3]) {
      n.notify('error_alert', `error ${i}`);
      await n.flush();
    }
    n.notify('error_alert', 'error 4');
    await n.flush();
    expect(tg.sent().map((c) => c.body.text)).toEqual(['error 1', 'error 2']);
  });

  it('retries a 429 with its retry_after in the background: whoever notifies does not wait', async () => {
    tg.fail('sendMessage', 1, { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const n = notifier();
    // notify only queues (it returns nothing to wait for): the send, its 429 and the retry all happen after it returned.
    n.notify('error_alert', 'database unreachable');
    expect(tg.sent()).toHaveLength(0);
    await tg.next((call) => call.method === 'sendMessage', 'the first attempt, answered 429');
    expect(n.stats).toEqual({ messages: 0, failed: 0 });
    await waitFor(() => n.stats.messages === 1, 'the message after its retry', 5_000);
    expect(tg.sent()).toHaveLength(2);
    expect(n.stats.failed).toBe(0);
  });

  it('gives up on a message that keeps failing, logs it, and goes on', async () => {
    tg.fail('sendMessage', 1, { error_code: 400, description: 'Bad Request: chat not found' });
    const n = notifier();
    n.notify('error_alert', 'lost');
    await n.flush();
    expect(n.stats.failed).toBe(1);
    n.notify('error_alert', 'next');
    await n.flush();
    expect(n.stats.messages).toBe(1);
  });

  it('sends only the kinds switched on: platform errors, not alert-rule alerts (their actions send those)', async () => {
    const n = notifier({ notifications: { trade_executed: false } });
    n.observe([
      fill(1),
      { kind: 'alert', source: 'persistence', level: 'error', message: 'database unreachable', at: 0, seq: 2 },
      { kind: 'alert', source: 'persistence', level: 'info', message: 'database back', at: 0, seq: 3 },
      { kind: 'alert', source: 'alerts', level: 'error', message: 'ALERT x', at: 0, seq: 4, rule: { name: 'x', state: 'firing', condition: 'a > 1', value: 2, action: 'log' } },
    ]);
    await n.flush();
    expect(tg.sent().map((c) => c.body.text)).toEqual(['persistence: database unreachable']);
  });

  it('writes the daily report: P&L per trader and the total', () => {
    const trader = (id: string, pnl: string | undefined) =>
      ({ id, state: pnl === undefined ? 'stopped' : 'running', ...(pnl === undefined ? {} : { pnl: toFixed(pnl, 'p'), live: { equity: toFixed(10_000, 'e') + toFixed(pnl, 'p'), stats: { fills: 3 } } }) }) as never;
    expect(dailyReportText([trader('a', '12.5'), trader('b', '-2.25'), trader('c', undefined)], '2026-11-25')).toBe(
      'Daily report 2026-11-25\na: P&L 12.5, equity 10012.5, 3 fills\nb: P&L -2.25, equity 9997.75, 3 fills\nc: stopped\nTotal P&L 10.25',
    );
  });

  it('schedules the daily report at the configured UTC time', () => {
    expect(new Date(nextDailyAt(Date.UTC(2026, 10, 25, 19, 59), '20:00')).toISOString()).toBe('2026-11-25T20:00:00.000Z');
    expect(new Date(nextDailyAt(Date.UTC(2026, 10, 25, 20, 0), '20:00')).toISOString()).toBe('2026-11-26T20:00:00.000Z');
  });
});
