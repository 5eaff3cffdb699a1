import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';
import { connectStream } from '../../helpers/stream-client.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Alert rules in a running platform: evaluated on demand here (the timer is set to an hour), firing
 * and resolving through the API, the stream's `system` channel, Telegram and a webhook.
 */
let api: ApiTestPlatform;
let tg: FakeTelegram;
let hook: Server;
const posted: any[] = [];

beforeAll(async () => {
  tg = await startFakeTelegram();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const rules = join(mkdtempSync(join(tmpdir(), 'botv3-alerts-')), 'alerts.yaml');
  writeFileSync(rules, 'rules:\n  - name: reviews_waiting\n    condition: reviews_queued > 0\n    action: tell_everyone\n  - name: database_down\n    condition: db_connections == 0\n    action: tell_everyone\n');
  api = await startApiPlatform({
    traders: [{ id: 'careful', symbols: ['ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: 'always' }],
    ai: { reviewer: 'offline' },
    telegram: { token: FAKE_BOT_TOKEN, apiRoot: tg.url, chatIds: [1], batchMs: 20, notifications: { daily_report: false, trade_executed: false } },
    alerts: { file: rules, evaluateMs: 3_600_000, actions: { tell_everyone: ['telegram', 'log', { webhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` }] } },
  });
  api.advance(1);
});
afterAll(async () => {
  await api?.close();
  await tg?.close();
  await new Promise<void>((resolve) => hook?.close(() => resolve()));
});

describe('alert rules', () => {
  it('fire and resolve through the API, the system channel, Telegram and a webhook', async () => {
    expect(await api.alerts.evaluate()).toEqual([]);
    const listed = await api.call('GET', '/api/v1/alerts', { token: api.token.read });
    expect(listed.body.data.map((a: { name: string; state: string }) => [a.name, a.state])).toEqual([
      ['reviews_waiting', 'ok'],
      ['database_down', 'ok'],
    ]);
    const client = await connectStream(api.url, api.token.read);
    client.send({ action: 'subscribe', channel: 'system' });
    await client.next((f) => f.type === 'ack', 'the ack');

    await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'careful', strategy: 'alerts', symbol: 'ETH/USDT', action: 'BUY', id: 'al-1' } });
    const queued = await waitFor(async () => (await api.control.reviewQueue())[0], 'the queued review');
    const fired = await api.alerts.evaluate();
    expect(fired.map((t) => [t.rule.name, t.state, t.value])).toEqual([['reviews_waiting', 'firing', 1]]);
    expect(await api.alerts.evaluate()).toEqual([]);
    const firing = (await api.call('GET', '/api/v1/alerts', { token: api.token.read })).body.data[0];
    expect(firing).toMatchObject({ name: 'reviews_waiting', state: 'firing', value: 1, condition: 'reviews_queued > 0' });
    await waitFor(() => client.events('system').some((e: any) => e.data.kind === 'alert' && e.data.rule?.state === 'firing'), 'the firing on the stream');
    await tg.next((c) => c.method === 'sendMessage' && c.body.text === 'ALERT reviews_waiting firing: reviews_queued > 0 (now 1)', 'the Telegram message');
    await waitFor(() => posted.length === 1, 'the webhook');
    expect(posted[0]).toMatchObject({ alert: 'reviews_waiting', state: 'firing', condition: 'reviews_queued > 0', value: 1, action: 'tell_everyone' });

    await api.control.decideReview(queued.id, false, { note: 'no' });
    const resolved = await api.alerts.evaluate();
    expect(resolved.map((t) => [t.rule.name, t.state])).toEqual([['reviews_waiting', 'resolved']]);
    await waitFor(() => client.events('system').some((e: any) => e.data.rule?.state === 'resolved'), 'the resolution on the stream');
    await tg.next((c) => c.method === 'sendMessage' && c.body.text === 'RESOLVED reviews_waiting: reviews_queued is 0', 'the Telegram resolution');
    await waitFor(() => posted.length === 2, 'the second webhook');
    client.socket.close();
  });

  it('the metrics the rules watch are exported for Prometheus', async () => {
    const metrics = (await api.call('GET', '/metrics', { token: null })).body as string;
    expect(metrics).toMatch(/^botv3_database_connections [1-9]/m);
    expect(metrics).toMatch(/^botv3_exchange_up\{exchange="paper"\} 1$/m);
    expect(metrics).toMatch(/^botv3_traders\{state="running"\} 1$/m);
  });
});
