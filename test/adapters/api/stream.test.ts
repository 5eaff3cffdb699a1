import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { connectStream } from '../../helpers/stream-client.js';
import { waitFor } from '../../helpers/wait.js';

let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: [
      { id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
      { id: 'beta', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
      { id: 'bear', symbols: ['BTC/USDT:USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, allowShort: true },
    ],
    api: { stream: { maxBufferedBytes: 256 * 1024 } },
  });
  await api.priced();
});
afterAll(async () => api?.close());

const connect = (token: string | null = api.token.read) => connectStream(api.url, token);

const trade = (traderId: string, id: string) =>
  api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { id, traderId, strategy: 'ws', symbol: 'BTC/USDT', action: 'BUY' } });

describe('the WebSocket stream', () => {
  it("sends a subscriber the trades of the trader it asked for, and nothing of the others'", async () => {
    const client = await connect();
    await client.next((f) => f.type === 'welcome', 'the welcome');
    client.send({ action: 'subscribe', channel: 'trades', traderId: 'alpha' });
    await client.next((f) => f.type === 'ack' && f.action === 'subscribe', 'the ack');
    expect(client.frames.find((f) => f.type === 'ack')).toEqual({ type: 'ack', action: 'subscribe', channel: 'trades', traderId: 'alpha' });
    await trade('alpha', 'ws-a1');
    await trade('beta', 'ws-b1');
    api.advance(1);
    // beta's fill is stored too: once alpha's arrived, wait for beta's to be in the database as well.
    await waitFor(() => client.events('trades').length >= 1, 'alpha trade');
    await waitFor(async () => (await api.call('GET', '/api/v1/trades?traderId=beta', { token: api.token.read })).body.data.length >= 1, 'beta trade stored');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const trades = client.events('trades');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ channel: 'trades', traderId: 'alpha', data: { signalId: 'ws-a1', symbol: 'BTC/USDT', side: 'buy', kind: 'fill' } });
    expect(trades[0].data.fill.price).toMatch(/^\d+(\.\d+)?$/);
    expect(client.events('orders')).toEqual([]);
    client.socket.close();
  });

  it('sends a channel subscribed to later, while other channels already flow, from then on', async () => {
    const client = await connect();
    client.send({ action: 'subscribe', channel: 'trades', traderId: 'alpha' });
    await client.next((f) => f.type === 'ack' && f.action === 'subscribe', 'the first ack');
    await trade('alpha', 'ws-late1');
    api.advance(1);
    await waitFor(() => client.events('trades').length >= 1, 'the first trade');
    expect(client.events('positions')).toEqual([]);
    client.send({ action: 'subscribe', channel: 'positions', traderId: 'alpha' });
    await waitFor(() => client.frames.filter((f) => f.type === 'ack').length === 2, 'the second ack');
    await trade('alpha', 'ws-late2');
    api.advance(1);
    await waitFor(() => client.events('trades').length >= 2 && client.events('positions').length >= 1, 'the second trade and its position');
    expect(client.events('positions')[0]).toMatchObject({ traderId: 'alpha', data: { symbol: 'BTC/USDT' } });
    client.socket.close();
  });

  it('takes the token in the first frame, acknowledges every action, and stops after unsubscribe', async () => {
    const client = await connect(null);
    client.send({ action: 'auth', token: api.token.read });
    await client.next((f) => f.type === 'ack' && f.action === 'auth', 'the auth ack');
    client.send({ action: 'subscribe', channel: 'positions' });
    client.send({ action: 'subscribe', channel: 'signals', traderId: 'beta' });
    await waitFor(() => client.frames.filter((f) => f.type === 'ack').length === 3, 'three acks');
    await trade('beta', 'ws-b2');
    api.advance(1);
    await waitFor(() => client.events('positions').length >= 1 && client.events('signals').length >= 1, 'position and signal');
    expect(client.events('positions')[0]).toMatchObject({ traderId: 'beta', data: { symbol: 'BTC/USDT' } });
    expect(client.events('signals')[0]).toMatchObject({ traderId: 'beta', data: { kind: 'signal.accepted', signalId: 'ws-b2' } });
    client.send({ action: 'unsubscribe', channel: 'positions' });
    client.send({ action: 'unsubscribe', channel: 'signals', traderId: 'beta' });
    await waitFor(() => client.frames.filter((f) => f.type === 'ack').length === 5, 'five acks');
    const before = client.frames.length;
    await trade('beta', 'ws-b3');
    api.advance(1);
    await waitFor(async () => (await api.call('GET', '/api/v1/signals?traderId=beta', { token: api.token.read })).body.data.some((s: { id: string }) => s.id === 'ws-b3'), 'ws-b3 stored');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.frames.slice(before).filter((f) => f.type === 'events')).toEqual([]);
    client.send({ action: 'ping' });
    await client.next((f) => f.type === 'pong', 'the pong');
    client.socket.close();
  });

  it('answers a bad frame with an error naming the field, and stays open', async () => {
    const client = await connect();
    client.send('{not json');
    client.send({ action: 'subscribe', channel: 'gossip' });
    client.send({ action: 'subscribe', channel: 'trades', extra: 1 });
    await waitFor(() => client.frames.filter((f) => f.type === 'error').length === 3, 'three errors');
    const errors = client.frames.filter((f) => f.type === 'error');
    expect(errors[0]).toMatchObject({ code: 'ERR_BAD_REQUEST', field: 'frame' });
    expect(errors[1]).toMatchObject({ code: 'ERR_VALIDATION', field: 'channel' });
    expect(errors[2]).toMatchObject({ code: 'ERR_VALIDATION', field: 'extra' });
    client.send({ action: 'subscribe', channel: 'system' });
    await client.next((f) => f.type === 'ack', 'an ack after the errors');
    client.socket.close();
  });

  it('refuses a bad token at the upgrade, and an action before auth with close code 4401', async () => {
    await expect(connect('bv3_nope_nope')).rejects.toThrow(/401/);
    const client = await connect(null);
    client.send({ action: 'subscribe', channel: 'trades' });
    expect(await client.closed).toMatchObject({ code: 4401 });
    const weak = await connect(null);
    weak.send({ action: 'auth', token: 'bv3_nope_nope' });
    expect(await weak.closed).toMatchObject({ code: 4401 });
  });

  it('pushes trader lifecycle changes on the system channel', async () => {
    const client = await connect();
    client.send({ action: 'subscribe', channel: 'system' });
    await client.next((f) => f.type === 'ack', 'the ack');
    await api.call('POST', '/api/v1/traders/beta/halt', { body: { reason: 'desk review' } });
    await waitFor(() => client.events('system').some((e: any) => e.data.kind === 'intervention' && e.data.action === 'halt'), 'the intervention');
    await waitFor(() => client.events('system').some((e: any) => e.data.kind === 'mode' && e.traderId === 'beta'), 'the mode change');
    await api.call('POST', '/api/v1/traders/beta/resume');
    await api.call('POST', '/api/v1/traders/beta/restart');
    await waitFor(() => client.events('system').some((e: any) => e.data.kind === 'trader' && e.data.action === 'restart'), 'the restart');
    client.socket.close();
  });

  it('drops a client that does not read, with close code 1008, and keeps serving the others', async () => {
    const slow = await connect();
    const fast = await connect();
    for (const client of [slow, fast]) client.send({ action: 'subscribe', channel: 'trades' });
    await waitFor(() => slow.frames.some((f) => f.type === 'ack') && fast.frames.some((f) => f.type === 'ack'), 'both subscribed');
    // The slow client stops reading its socket: the server's buffer for it grows until the bound.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const pad = 'x'.repeat(8 * 1024);
    for (let i = 0; i < 2_000; i++) {
      api.api.stream.publish([{ kind: 'fill', traderId: 'alpha', seq: i, clientOrderId: pad, signalId: 's', symbol: 'BTC/USDT', side: 'BUY', fill: { tradeId: `t${i}`, quantity: 1n, price: 1n, fee: 0n }, position: { symbol: 'BTC/USDT', quantity: 1n, avgEntry: 1n, realizedPnl: 0n, fees: 0n }, at: Date.now() } as never]);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => api.api.stream.stats.dropped >= 1, 'the slow client dropped', 20_000);
    await waitFor(() => fast.events('trades').length === 2_000, 'every event at the fast client', 20_000);
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(1008);
    fast.socket.close();
  });

  it("sends a perpetual's position with its side, and again with each funding payment", async () => {
    const client = await connect();
    client.send({ action: 'subscribe', channel: 'positions', traderId: 'bear' });
    await client.next((f) => f.type === 'ack' && f.action === 'subscribe', 'the ack');
    await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { id: 'ws-short', traderId: 'bear', strategy: 'ws', symbol: 'BTC/USDT:USDT', action: 'SELL' } });
    await waitFor(() => client.events('positions').length >= 1, 'the short');
    expect(client.events('positions')[0]).toMatchObject({ traderId: 'bear', data: { symbol: 'BTC/USDT:USDT', side: 'short', quantity: expect.stringMatching(/^-0\.01/) } });
    // The market starts at 00:00 UTC: eight hours of one-minute candles reach a funding time.
    api.advance(480);
    const funded = await waitFor(() => client.events('positions').find((e) => e.data.payment), 'the funding payment');
    expect(funded.data).toMatchObject({ side: 'short', payment: { amount: expect.stringMatching(/^-?\d+\.\d+$/), rate: expect.stringMatching(/^-?0\.000\d+$/) } });
    expect(funded.data.funding).toBe(funded.data.payment.amount);
    client.socket.close();
  });
});
