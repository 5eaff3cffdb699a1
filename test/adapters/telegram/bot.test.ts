import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The Telegram bot as a user drives it: grammy, unchanged, long-polls a loopback fake Bot API that the
 * test feeds with messages and button taps; the platform behind it is real.
 */
const CHAT = 111111111;
const STRANGER = 999;
let tg: FakeTelegram;
let api: ApiTestPlatform;

beforeAll(async () => {
  tg = await startFakeTelegram();
  api = await startApiPlatform({
    traders: [
      { id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
      // The offline reviewer, with one candle seen, is unsure of the market: every order waits for a human.
      { id: 'careful', symbols: ['ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: 'always' },
      { id: 'bear', symbols: ['BTC/USDT:USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, allowShort: true, leverage: 5 },
    ],
    ai: { reviewer: 'offline' },
    telegram: { token: FAKE_BOT_TOKEN, apiRoot: tg.url, chatIds: [CHAT, -100222222222], notifications: { trade_executed: false, daily_report: false } },
  });
  api.advance(1);
});
afterAll(async () => {
  await api?.close();
  await tg?.close();
});

let asked = 0;
/** Sends `text` from `chat` and waits for the bot's answer to it (a reply to that chat containing `expect`). */
async function ask(text: string, expect: string | RegExp, chat = CHAT) {
  const before = tg.sent().length;
  asked++;
  tg.message(chat, text);
  return waitFor(
    () => tg.sent().slice(before).find((c) => c.body.chat_id === chat && (typeof expect === 'string' ? c.body.text.includes(expect) : expect.test(c.body.text))),
    `the answer to ${text} (#${asked})`,
  );
}

describe('the Telegram bot', () => {
  it('answers /start with the commands and /status with the platform state', async () => {
    const start = await ask('/start', 'Commands:');
    expect(start.body.text).toMatch(/\/reviews/);
    const status = await ask('/status', 'Traders:');
    expect(status.body.text).toMatch(/Traders: 3 running, 0 stopped, 0 failed/);
    expect(status.body.text).toMatch(/Reviewer: offline/);
  });

  it('refuses a chat that is not configured, logs and counts it, and does nothing', async () => {
    const refused = await ask('/stop', 'may not command', STRANGER);
    expect(refused.body.reply_markup).toBeUndefined();
    expect(api.telegram!.refused()).toBeGreaterThanOrEqual(1);
    expect((await api.call('GET', '/metrics', { token: null })).body).toMatch(/^botv3_telegram_refused_total [1-9]/m);
    expect((await api.control.trader('alpha')).live?.mode).toBe('active');
  });

  it('shows balances, positions and traders', async () => {
    await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'alpha', strategy: 'tg', symbol: 'BTC/USDT', action: 'BUY', id: 'tg-1' } });
    await waitFor(async () => (await api.control.trader('alpha')).live?.stats.fills === 1, 'the fill');
    expect((await ask('/balance', 'alpha: equity')).body.text).toMatch(/careful: equity 100000; 100000 USDT/);
    await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'bear', strategy: 'tg', symbol: 'BTC/USDT:USDT', action: 'SELL', id: 'tg-2' } });
    await waitFor(async () => (await api.control.trader('bear')).live?.stats.fills === 1, 'the short');
    const positions = (await ask('/positions', 'alpha BTC/USDT')).body.text;
    expect(positions).toMatch(/alpha BTC\/USDT: 0\.01\d* @ \d+/);
    // A perpetual shows its side, leverage, margin, liquidation price and funding.
    expect(positions).toMatch(/^bear BTC\/USDT:USDT: -0\.01\d* @ [\d.]+, mark [\d.]+, realized [-\d.]+; short 5x isolated, margin [\d.]+, liquidation [\d.]+, funding 0$/m);
    const { body } = await api.call('GET', '/api/v1/traders/bear', { token: api.token.read });
    expect((body as { live: { margins: Record<string, unknown> } }).live.margins['BTC/USDT:USDT']).toMatchObject({ side: 'short', leverage: 5, mode: 'isolated' });
    expect((await ask('/traders', 'alpha: running')).body.text).toMatch(/careful: running, active/);
  });

  it('halts and resumes one trader', async () => {
    await ask('/halt alpha', 'Halting alpha');
    await waitFor(async () => (await api.control.trader('alpha')).live?.mode === 'halted', 'alpha halted');
    await ask('/resume alpha', 'Resuming alpha');
    await waitFor(async () => (await api.control.trader('alpha')).live?.mode === 'active', 'alpha active again');
    expect((await ask('/halt nobody', 'Failed')).body.text).toMatch(/nobody/);
    expect((await ask('/halt', 'Usage')).body.text).toMatch(/\/halt <trader id>/);
  });

  it('asks before an emergency stop: cancel does nothing, confirm halts every trader', async () => {
    const question = await ask('/stop', 'Sure?');
    expect(question.body.reply_markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data)).toEqual(['stop:yes', 'stop:no']);
    tg.tap(CHAT, 'stop:no', 1);
    await tg.next((c) => c.method === 'editMessageText' && c.body.text === 'Emergency stop cancelled.', 'the cancellation');
    expect((await api.control.trader('alpha')).live?.mode).toBe('active');
    tg.tap(CHAT, 'stop:yes', 2);
    await tg.next((c) => c.method === 'editMessageText' && /Emergency stop sent by telegram:alice/.test(c.body.text), 'the confirmation');
    await waitFor(async () => (await api.control.traders()).every((t) => t.live?.mode === 'halted'), 'every trader halted');
    await ask('/resume', 'Resuming every trader');
    await waitFor(async () => (await api.control.traders()).every((t) => t.live?.mode === 'active'), 'every trader active');
  });

  it('lists the review queue with buttons; approving executes the order once, a second tap is refused', async () => {
    await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'careful', strategy: 'tg', symbol: 'ETH/USDT', action: 'BUY', id: 'tg-review' } });
    const queued = await waitFor(async () => (await api.control.reviewQueue()).find((r) => r.signalId === 'tg-review'), 'the queued review');
    const listed = await ask('/reviews', `Review ${queued.id}`);
    expect(listed.body.text).toMatch(/BUY [\d.]+ ETH\/USDT at market/);
    expect(listed.body.reply_markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data)).toEqual([`rv:a:${queued.id}`, `rv:r:${queued.id}`]);
    tg.tap(CHAT, `rv:a:${queued.id}`, 3);
    await tg.next((c) => c.method === 'answerCallbackQuery' && c.body.text === 'Approved: the order goes out', 'the approval');
    api.advance(1);
    await waitFor(async () => (await api.control.trader('careful')).live?.stats.fills === 1, 'the approved order filled');
    tg.tap(CHAT, `rv:a:${queued.id}`, 3);
    await tg.next((c) => c.method === 'answerCallbackQuery' && /already decided/.test(c.body.text), 'the second tap refused');
    expect((await api.control.trader('careful')).live?.stats.orders).toBe(1);
    expect((await ask('/reviews', 'No reviews waiting')).body.text).toBe('No reviews waiting.');
  });

  it('answers an unknown command with a pointer to /help', async () => {
    await ask('/moon', 'Unknown command');
  });
});
