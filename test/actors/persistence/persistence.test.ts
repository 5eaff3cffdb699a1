import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import type { PersistenceStatus } from '../../../actors/persistence/persistence.js';
import type { Page } from '../../../adapters/database/queries.js';
import { fixedToString } from '../../../actors/trading/fixed.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { tcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { fillEvents } from '../../helpers/events.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The persistence actor in a running platform, its database reached through a proxy that the test
 * cuts and restores: trading goes on from memory, batches go to the journal, and everything is in the
 * database once, when it is back.
 */
let server: TestDatabaseServer;
let proxy: TcpProxy;
let platform: TestPlatform;
let journalPath: string;

beforeAll(async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await db.close();
  proxy = await tcpProxy(server.url);
  journalPath = join(await mkdtemp(join(tmpdir(), 'botv3-journal-')), 'journal.ndjson');
  platform = await startPlatform(
    { traders: [{ id: 'alpha', symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 1_000_000 }, orderNotional: 100, limits: { maxOrdersPerSecond: 10_000 } }] },
    { database: { url: proxy.url, poolSize: server.poolSize, journalPath } },
  );
  platform.advance();
  await waitFor(async () => Object.keys((await platform.status('alpha')).marks).length === 2, 'the first candle');
});

afterAll(async () => {
  await platform.stop();
  await proxy.close();
  await server.close();
});

const request = <R>(message: object) => platform.system.request<R>(ADDRESSES.persistence, message as { type: string }, { timeoutMs: 20_000 });
const query = async (list: string, filter: object = {}) => {
  const reply = await request<Page & { type: string }>({ type: 'query', list, filter });
  expect(reply.type).toBe('page');
  return reply.rows;
};

/**
 * Sends `count` buy/sell signals alternating between the two markets, ids `${prefix}-<n>`, four at a
 * time: a buy of each market, then, once they filled, a sell of each (a SELL sells what is held, never
 * a BUY still pending). Resolves when the last sells are sent.
 */
async function trade(prefix: string, count: number): Promise<void> {
  const signal = (i: number) => platform.signal('alpha', { id: `${prefix}-${i}`, strategy: 'api', symbol: i % 2 ? 'ETH/USDT' : 'BTC/USDT', action: i % 4 < 2 ? 'BUY' : 'SELL' });
  let fills = (await platform.status('alpha')).stats.fills;
  for (let i = 0; i < count; i++) {
    signal(i);
    // Each order fills in one fill here: wait for this round's fills before its sells.
    if (i % 4 === 1 && i + 1 < count) await filled((fills += 2));
    if (i % 4 === 3 && i + 1 < count) await filled((fills += 2));
  }
}

async function filled(count: number): Promise<void> {
  await waitFor(async () => (await platform.status('alpha')).stats.fills >= count, `${count} fills`);
}

/** The trades stored once there are `count`: the trader's last events come over its own link, which the main thread's sync is not ordered with. */
async function storedTrades(count: number) {
  return waitFor(async () => {
    await request({ type: 'sync' });
    const trades = await query('trades', { traderId: 'alpha', limit: 1_000 });
    return trades.length >= count && trades;
  }, `${count} trades stored`);
}

describe('persistence', () => {
  test('stores every order, fill, signal, position and balance once, as the trader has them', async () => {
    await trade('a', 40);
    await filled(40);
    // The trader's last events come over its own link, which the main thread's sync is not ordered with.
    await waitFor(async () => {
      await request<PersistenceStatus>({ type: 'sync' });
      const orders = await query('orders', { traderId: 'alpha', limit: 1_000 });
      return orders.length === 40 && orders.every((o) => o.status === 'filled');
    }, 'the 40 orders stored as filled');
    const status = await platform.status('alpha');
    expect(await query('trades', { traderId: 'alpha', limit: 1_000 })).toHaveLength(status.stats.fills);
    expect(await query('signals', { traderId: 'alpha', outcome: 'accepted', limit: 1_000 })).toHaveLength(40);
    const positions = await query('positions', { traderId: 'alpha' });
    const stored = Object.fromEntries(positions.map((p) => [p.symbol, Number(p.quantity)]));
    expect(stored).toEqual(Object.fromEntries(Object.values(status.positions).map((p) => [p.symbol, Number(fixedToString(p.quantity))])));
    const balances = Object.fromEntries((await query('balances', { traderId: 'alpha' })).map((b) => [b.asset, Number(b.free)]));
    expect(balances).toEqual(Object.fromEntries(Object.entries(status.balances).map(([asset, amount]) => [asset, Number(fixedToString(amount))])));
  });

  test('while the database is down trading goes on, batches go to the journal, and all of it lands once when it is back', async ({ onTestFinished }) => {
    const before = (await platform.status('alpha')).stats.fills;
    proxy.down();
    // Failed half-way, this test must not leave the next ones without their database.
    onTestFinished(() => proxy.up());
    await trade('b', 30);
    await filled(before + 30);
    const down = await waitFor(async () => {
      const s = await request<PersistenceStatus>({ type: 'sync' });
      return !s.up && s.batchesJournaled > 0 && s;
    }, 'batches in the journal');
    expect(down.lastError).toBeTruthy();
    expect((await stat(journalPath)).size).toBe(down.journalBytes);
    // Events reach the hub once they are in the journal: trading is visible while the database is away.
    // The first batch journaled is not the last: the hub sees every fill once persistence has journaled them all.
    const hub = await waitFor(async () => {
      const reply = await platform.hub();
      return reply.counters.alpha!.fills === before + 30 && reply;
    }, 'every fill at the hub, the database still down');
    expect(hub.recent).toContainEqual(expect.objectContaining({ kind: 'alert', source: 'persistence', level: 'warn', message: expect.stringContaining('database unavailable') }));
    expect((await request<PersistenceStatus>({ type: 'sync' })).up).toBe(false);

    proxy.up();
    const back = await waitFor(async () => {
      const s = await request<PersistenceStatus>({ type: 'sync' });
      return s.up && s.journalBytes === 0 && s;
    }, 'the journal written to the database', 20_000);
    expect(back.batchesReplayed).toBeGreaterThanOrEqual(down.batchesJournaled);
    expect((await stat(journalPath)).size).toBe(0);
    const status = await platform.status('alpha');
    const trades = await storedTrades(status.stats.fills);
    expect(trades).toHaveLength(status.stats.fills);
    expect(new Set(trades.map((t) => t.trade_id)).size).toBe(trades.length);
    expect(await query('orders', { traderId: 'alpha', limit: 1_000 })).toHaveLength(70);
    expect((await platform.hub()).recent).toContainEqual(expect.objectContaining({ kind: 'alert', level: 'info', message: expect.stringContaining('database back') }));
  });

  test('a row the database refuses is kept aside with an alert, and the batches after it are stored', async () => {
    await request({ type: 'sync' });
    // A fill whose order was never reported: its trade breaks the foreign key to orders.
    const [fill] = fillEvents('orphan', '0.1', '100', Date.now(), '0.1', 'v3-nobody');
    platform.system.send(ADDRESSES.persistence, { type: 'traderEvents', traderId: 'alpha', events: [fill!] });
    const status = await waitFor(async () => {
      const s = await request<PersistenceStatus>({ type: 'sync' });
      return s.rowsRefused === 1 && s;
    }, 'the refused batch');
    expect(status.up).toBe(true);
    expect((await platform.hub()).recent).toContainEqual(expect.objectContaining({ kind: 'alert', level: 'error', message: expect.stringMatching(/^database refused a row of trades .*refused\.ndjson$/) }));
    expect((await readFile(journalPath.replace(/\.ndjson$/, '.refused.ndjson'), 'utf8')).split('\n')[0]).toContain('"trade_id":"orphan"');
    const before = (await platform.status('alpha')).stats.fills;
    await trade('c', 4);
    await filled(before + 4);
    expect(await storedTrades(before + 4)).toHaveLength(before + 4);
  });

  test('a bad query is answered with the field, not a crash', async () => {
    expect(await request({ type: 'query', list: 'orders', filter: { status: 'done' } })).toMatchObject({ type: 'queryFailed', field: 'status' });
    expect((await query('orders', { traderId: 'alpha', limit: 1 })).length).toBe(1);
  });
});
