import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';

/** Webhook mode: Telegram posts updates to the API's `/telegram/webhook`, which checks its secret token. */
let tg: FakeTelegram;
let api: ApiTestPlatform;
const SECRET = 'webhook-secret-42';

beforeAll(async () => {
  tg = await startFakeTelegram();
  api = await startApiPlatform({
    traders: [{ id: 'alpha', symbols: ['BTC/USDT'] }],
    telegram: { token: FAKE_BOT_TOKEN, apiRoot: tg.url, chatIds: [7], mode: 'webhook', webhook: { url: 'https://bot.example.com/telegram/webhook', secretToken: SECRET } },
  });
});
afterAll(async () => {
  await api?.close();
  await tg?.close();
});

const update = (text: string) => ({
  update_id: 1,
  message: { message_id: 1, date: 0, chat: { id: 7, type: 'private' }, from: { id: 1, is_bot: false, first_name: 'a' }, text, entities: [{ type: 'bot_command', offset: 0, length: text.length }] },
});

describe('the Telegram webhook', () => {
  it('registers its URL with its secret, and answers an update that carries it', async () => {
    const set = await tg.next((c) => c.method === 'setWebhook', 'setWebhook');
    expect(set.body).toEqual({ url: 'https://bot.example.com/telegram/webhook', secret_token: SECRET });
    const res = await fetch(`${api.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify(update('/status')) });
    expect(res.status).toBe(200);
    const reply = await tg.next((c) => c.method === 'sendMessage', 'the reply');
    expect(reply.body).toMatchObject({ chat_id: 7, text: expect.stringMatching(/Traders: 1 running/) });
    expect(tg.sent('getUpdates')).toEqual([]);
  });

  it('refuses an update without the secret', async () => {
    const before = tg.sent().length;
    const res = await fetch(`${api.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' }, body: JSON.stringify(update('/stop')) });
    expect(res.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tg.sent()).toHaveLength(before);
  });
});
