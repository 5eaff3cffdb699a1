import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import type { Page } from '../../../adapters/database/queries.js';
import { ADDRESSES, platformTree, traderAddress } from '../../../actors/platform/tree.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import type { ChildSpecInput, SupervisorSpecInput } from '../../../runtime/options.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { unsentOrderEvents } from '../../helpers/events.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A trader stopped while its exchange goes on (one order fills, one is cancelled), then started again
 * without a snapshot: it loads its state from the database and reconciles with the exchange.
 */
let server: TestDatabaseServer;
let platform: TestPlatform;
let options: Parameters<typeof platformTree>[1];

beforeAll(async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await db.close();
  options = { database: { url: server.url, poolSize: server.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') } };
  platform = await startPlatform(
    {
      exchanges: { paper: { type: 'paper', replay: replayFiles({ 'BTC/USDT': [100, 100, 100, 94, 94, 94] }) } },
      traders: [{ id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 10_000 }, orderNotional: 100 }],
    },
    options,
  );
});
afterAll(async () => {
  await platform.stop();
  await server.close();
});

const ask = <R>(to: string, message: object) => platform.system.request<R>(to, message as { type: string }, { timeoutMs: 20_000 });

function traderSpec(): ChildSpecInput {
  const traders = platformTree(platform.config, options).children!.find((c) => c.id === 'traders') as SupervisorSpecInput;
  return traders.children!.find((c) => c.id === traderAddress('alpha'))!;
}

test('a trader started again without its snapshot takes its state from the database and catches up with the exchange', async () => {
  platform.advance();
  await waitFor(async () => (await platform.status('alpha')).marks['BTC/USDT'], 'the first candle');
  for (const [id, price] of [['fills', 95], ['cancelled', 90], ['rests', 80]] as const) {
    platform.signal('alpha', { id, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: 1, price });
  }
  const open = await waitFor(async () => {
    const orders = Object.values((await platform.status('alpha')).orders);
    return orders.length === 3 && orders.every((o) => o.status === 'open') && orders;
  }, 'three resting orders');
  const idOf = (signalId: string) => open.find((o) => o.signalId === signalId)!.clientOrderId;
  await ask(ADDRESSES.persistence, { type: 'sync' });

  await platform.system.stopChild(traderAddress('alpha'));
  // Away: one order is cancelled and one fills; the reports go nowhere.
  platform.system.send('exchange.paper', { type: 'cancel', account: 'alpha', replyTo: traderAddress('alpha'), clientOrderIds: [idOf('cancelled')] });
  platform.advance(3);
  await waitFor(async () => (await platform.balances('alpha')).BTC?.free === toFixed(1, 'q'), 'the fill on the exchange');

  await platform.system.spawn(traderSpec(), { supervisor: 'traders' });
  const status = await waitFor(async () => {
    const s = await platform.status('alpha');
    return Object.keys(s.orders).length === 1 && s;
  }, 'reconciliation');
  expect(Object.values(status.orders).map((o) => [o.signalId, o.status])).toEqual([['rests', 'open']]);
  expect(status.positions['BTC/USDT']).toMatchObject({ quantity: toFixed(1, 'q'), avgEntry: toFixed(95, 'p') });
  const exchange = await platform.balances('alpha');
  expect(status.balances.BTC).toBe(exchange.BTC!.free);
  expect(status.balances.USDT).toBe(exchange.USDT!.free + exchange.USDT!.locked);

  // A signal sent again after the restart is still a duplicate, and places nothing.
  platform.signal('alpha', { id: 'rests', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: 1, price: 80 });
  await waitFor(async () => (await platform.status('alpha')).stats.duplicates === 1, 'the duplicate');
  const resting = await ask<{ orders: unknown[] }>('exchange.paper', { type: 'getOpenOrders', account: 'alpha' });
  expect(resting.orders).toHaveLength(1);

  // The trader's events come over its own link, which the sync is not ordered with.
  const statuses = async () => {
    await ask(ADDRESSES.persistence, { type: 'sync' });
    const orders = await ask<Page>(ADDRESSES.persistence, { type: 'query', list: 'orders', filter: { traderId: 'alpha' } });
    return Object.fromEntries(orders.rows.map((o) => [o.signal_id, o.status]));
  };
  const expected = { fills: 'filled', cancelled: 'cancelled', rests: 'open' };
  await waitFor(async () => isDeepStrictEqual(await statuses(), expected), 'the reconciled orders stored');
  expect(await statuses()).toEqual(expected);
  const trades = await ask<Page>(ADDRESSES.persistence, { type: 'query', list: 'trades', filter: { traderId: 'alpha' } });
  expect(trades.rows.map((t) => [t.client_order_id, t.quantity, t.price])).toEqual([[idOf('fills'), '1.000000000', '95.000000000']]);
  expect((await platform.hub()).recent.filter((e) => e.kind === 'reconciled').map((e) => (e as { outcome: string }).outcome).sort()).toEqual([
    '0 missed fill(s) applied; cancelled',
    '0 missed fill(s) applied; open',
    '1 missed fill(s) applied; filled',
  ]);
});

test('a new order stored but never on the exchange (its node died, or fenced it, before it left) is sent at reconciliation, once, while young; an old one is rejected', async () => {
  await platform.system.stopChild(traderAddress('alpha'));
  const now = Date.now();
  const lost = (signalId: string, at: number) => unsentOrderEvents({ traderId: 'alpha', signalId, strategy: 'api', quantity: '0.5', at });
  platform.system.send(ADDRESSES.persistence, { type: 'traderEvents', traderId: 'alpha', events: [...lost('young', now - 5_000), ...lost('old', now - 120_000)] });
  await ask(ADDRESSES.persistence, { type: 'sync' });

  await platform.system.spawn(traderSpec(), { supervisor: 'traders' });
  platform.advance();
  const orders = await waitFor(async () => {
    await ask(ADDRESSES.persistence, { type: 'sync' });
    const page = await ask<Page>(ADDRESSES.persistence, { type: 'query', list: 'orders', filter: { traderId: 'alpha' } });
    const byId = Object.fromEntries(page.rows.map((o) => [o.signal_id, o]));
    return byId.young?.status === 'filled' && byId.old?.status === 'rejected' && byId;
  }, 'the young order filled, the old one rejected');
  expect(orders.old!.reason).toBe('not found on the exchange at reconciliation');
  const trades = await ask<Page>(ADDRESSES.persistence, { type: 'query', list: 'trades', filter: { traderId: 'alpha' } });
  expect(trades.rows.filter((t) => t.client_order_id === orders.young!.client_order_id).map((t) => t.quantity)).toEqual(['0.500000000']);
  const recent = (await platform.hub()).recent;
  // Recovered with its signal's strategy, for a review asked again by a trader that reviews.
  expect(recent.findLast((e) => e.kind === 'order' && e.order.signalId === 'young')).toMatchObject({ order: { strategy: 'api', status: 'filled' } });
  const outcomes = recent.filter((e) => e.kind === 'reconciled').map((e) => (e as { outcome: string }).outcome);
  expect(outcomes.filter((o) => o.startsWith('not on the exchange')).sort()).toEqual([
    'not on the exchange: rejected',
    'not on the exchange: sent again',
  ]);
});
