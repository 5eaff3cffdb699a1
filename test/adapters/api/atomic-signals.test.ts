import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traderAddress } from '../../../actors/platform/tree.js';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * `POST /signals` happens whole or not at all: every item is checked, and made plain data, before any
 * is routed. An error answer means no trader got any of them; a 202 means the accepted ones were routed
 * and nothing else, so a client never retries a request that already traded.
 */
let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: [
      { id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 100 },
      { id: 'beta', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 100 },
    ],
  });
  api.advance(1);
});
afterAll(async () => api?.close());

const signalsSeen = async (traderId: string) => (await api.control.trader(traderId)).live!.stats.signals;

/** `{ a: { a: ... } }`, `depth` levels deep: more than a message between actors may nest. */
const nested = (depth: number): object => (depth === 0 ? {} : { a: nested(depth - 1) });

/**
 * A manual order of `traderId`: answered once its trader has decided, so every signal routed to that
 * trader before it has been processed by then.
 */
async function marker(traderId: string, id: string): Promise<void> {
  const res = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { id, traderId, symbol: 'BTC/USDT', side: 'BUY', quantity: '0.001' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

describe('POST /signals', () => {
  it('routes a signal with a deeply nested extra field as plain data, and answers what it routed', async () => {
    const before = { alpha: await signalsSeen('alpha'), beta: await signalsSeen('beta') };
    const res = await api.call('POST', '/api/v1/signals', {
      token: api.token.trade,
      body: [
        { traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
        { id: 'deep-1', traderId: 'beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', meta: nested(100) },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.accepted).toBe(2);
    await marker('alpha', 'marker-deep-alpha');
    await marker('beta', 'marker-deep-beta');
    // Each trader got its signal once, and the marker.
    expect(await signalsSeen('alpha')).toBe(before.alpha + 2);
    expect(await signalsSeen('beta')).toBe(before.beta + 2);
    const orders = await waitFor(async () => {
      const page = await api.call('GET', '/api/v1/orders?traderId=beta&limit=1000', { token: api.token.read });
      return page.body.data.some((o: { signal_id: string }) => o.signal_id === 'marker-deep-beta') && page.body.data;
    }, 'the orders of beta');
    expect(orders.filter((o: { signal_id: string }) => o.signal_id === 'deep-1')).toHaveLength(1);
  });

  it('routes nothing when it answers an error', async () => {
    const before = { alpha: await signalsSeen('alpha'), beta: await signalsSeen('beta') };
    const res = await api.call('POST', '/api/v1/signals', {
      token: api.token.trade,
      body: {
        signals: [
          { id: 'whole-1', traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
          { id: 'whole-2', traderId: 'beta', strategy: 're\u0000x', symbol: 'BTC/USDT', action: 'BUY' },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'ERR_VALIDATION', field: 'signals[1].strategy' });
    expect(res.body.error.message).toMatch(/NUL/);
    await marker('alpha', 'marker-whole-alpha');
    await marker('beta', 'marker-whole-beta');
    expect(await signalsSeen('alpha')).toBe(before.alpha + 1);
    expect(await signalsSeen('beta')).toBe(before.beta + 1);
  });

  it('refuses text PostgreSQL cannot store anywhere in a body, naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', id: 'a\u0000' }, 'id', /NUL/],
      [[{ traderId: 'alpha', strategy: 'ext\ud800', symbol: 'BTC/USDT', action: 'BUY' }], '[0].strategy', /surrogate/],
      [{ traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', meta: { note: ['ok', 'x\udc00y'] } }, 'meta.note[1]', /surrogate/],
      [{ traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', meta: { 'k\u0000': 1 } }, 'meta', /key/],
    ];
    for (const [body, field, reason] of cases) {
      const res = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body });
      expect(res.status, field).toBe(422);
      expect(res.body.error.field, field).toBe(field);
      expect(res.body.error.message, field).toMatch(reason);
    }
    // Any route with a JSON body: a trader's params are stored as jsonb.
    const res = await api.call('POST', '/api/v1/traders', { body: { id: 'gamma\u0000', exchange: 'paper', symbols: ['BTC/USDT'] } });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('id');
  });

  // Last: beta's actor is gone for good, under the control plane's feet.
  it('refuses the signals of a trader whose actor cannot take them, and routes the others', async () => {
    await api.system.stopChild(traderAddress('beta'));
    const before = await signalsSeen('alpha');
    const res = await api.call('POST', '/api/v1/signals', {
      token: api.token.trade,
      body: [
        { id: 'gone-1', traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
        { id: 'gone-2', traderId: 'beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data).toEqual([
      { index: 0, id: 'gone-1', traderId: 'alpha', accepted: true },
      { index: 1, id: 'gone-2', traderId: 'beta', accepted: false, field: 'traderId', reason: 'trader "beta" is not started' },
    ]);
    await marker('alpha', 'marker-gone-alpha');
    expect(await signalsSeen('alpha')).toBe(before + 2);
  });
});
