import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Exits through the whole platform (API, risk manager, trader and paper exchange in their threads,
 * PostgreSQL): a resting BUY on the book must never block a SELL, a close or the emergency stop.
 */
let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: [
      { id: 'grid', symbols: ['SOL/USDT'], balances: { USDT: 100_000 } },
      { id: 'held', symbols: ['ETH/USDT'], balances: { USDT: 100_000 }, review: { above: 50_000 } },
    ],
  });
  await api.priced();
});
afterAll(async () => api?.close());

const position = async (traderId: string, symbol: string) => {
  const res = await api.call('GET', `/api/v1/traders/${traderId}`, { token: api.token.read });
  return res.body.live?.positions[symbol]?.quantity as string | undefined;
};

async function order(body: Record<string, unknown>) {
  return api.call('POST', '/api/v1/orders', { token: api.token.trade, body });
}

describe('exits through the API', () => {
  it('SELL and close-positions go through with a resting BUY on the book, and the stop flattens', async () => {
    expect((await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'BUY', quantity: '19.258' })).status).toBe(201);
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '19.258', 'the buy filled');
    const bid = await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'BUY', quantity: '2', price: '100' });
    expect(bid.body).toMatchObject({ status: 'accepted', quantity: '2' });

    const sell = await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'SELL', quantity: '7.975' });
    expect(sell.status).toBe(201);
    expect(sell.body).toMatchObject({ status: 'accepted', quantity: '7.975', requestedQuantity: '7.975' });
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '11.283', 'the sell filled');

    const tooMuch = await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'SELL', quantity: '50' });
    expect(tooMuch.status).toBe(201);
    expect(tooMuch.body).toMatchObject({ status: 'accepted', requestedQuantity: '50', quantity: '11.283', note: 'sized down from 50 to 11.283: 11.283 held' });
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '0', 'flat');

    expect((await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'BUY', quantity: '5' })).status).toBe(201);
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '5', 'bought again');
    const close = await api.call('POST', '/api/v1/traders/grid/close-positions', { body: {} });
    expect(close.status).toBe(202);
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '0', 'closed with the BUY still resting');
    // Stored once persistence has written the cancel.
    await waitFor(async () => {
      const orders = await api.call('GET', '/api/v1/orders?traderId=grid&limit=100', { token: api.token.read });
      return orders.body.data.find((o: { client_order_id: string }) => o.client_order_id === bid.body.clientOrderId)?.status === 'cancelled';
    }, 'the resting BUY stored as cancelled');
  });

  it('an order held for review answers 202 pending_review, and the emergency stop reports every trader flat and halted', async () => {
    const held = await order({ traderId: 'held', symbol: 'ETH/USDT', side: 'BUY', quantity: '20' });
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ status: 'pending_review', quantity: '20' });
    expect((await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'BUY', quantity: '3' })).status).toBe(201);
    await waitFor(async () => (await position('grid', 'SOL/USDT')) === '3', 'bought');
    await order({ traderId: 'grid', symbol: 'SOL/USDT', side: 'BUY', quantity: '2', price: '100' });

    const stop = await api.call('POST', '/api/v1/system/emergency-stop', { body: { reason: 'test', waitMs: 60_000 } });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ flat: true, traders: [{ traderId: 'grid', state: 'flat', mode: 'halted' }, { traderId: 'held', state: 'flat', mode: 'halted' }] });
    expect(await position('grid', 'SOL/USDT')).toBe('0');
    const trader = await api.call('GET', '/api/v1/traders/held', { token: api.token.read });
    expect(trader.body.live.orders).toEqual({});
    const report = await api.call('GET', '/api/v1/system/emergency-stop', { token: api.token.read });
    expect(report.body).toMatchObject({ flat: true });
  });
});
