import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import type { Page } from '../../../adapters/database/queries.js';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { waitFor } from '../../helpers/wait.js';

/** What a running trader's signals and balances become in the database. */
let server: TestDatabaseServer;
let platform: TestPlatform;

beforeAll(async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await db.close();
  platform = await startPlatform(
    {
      exchanges: { paper: { type: 'paper', replay: replayFiles({ 'ETH/USDT': [3_100, 3_100, 3_100] }) } },
      traders: [{ id: 'alpha', account: 'desk', symbols: ['ETH/USDT'], balances: { USDT: 10_000 }, orderNotional: 310 }],
    },
    { database: { url: server.url, poolSize: server.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') } },
  );
  platform.advance();
  await waitFor(async () => (await platform.status('alpha')).marks['ETH/USDT'], 'the first candle', 30_000);
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  await server?.close();
}, 60_000);

/** The rows of `list` once there are `count`: the trader's events come over its own link, which the sync is not ordered with. */
const query = (list: string, filter: object, count: number) =>
  waitFor(async () => {
    await platform.system.request(ADDRESSES.persistence, { type: 'sync' });
    const { rows } = await platform.system.request<Page>(ADDRESSES.persistence, { type: 'query', list, filter });
    return rows.length >= count && rows;
  }, `${count} ${list} stored`);

test('a signal is stored with what it asked for: its order type, quantity and price', async () => {
  // A manual limit order (what POST /orders sends), and a market BUY the trader sizes itself.
  platform.signal('alpha', { id: 'manual-1', strategy: 'manual', symbol: 'ETH/USDT', action: 'BUY', quantity: 0.05, price: 3_000 });
  platform.signal('alpha', { id: 'sized-1', strategy: 'api', symbol: 'ETH/USDT', action: 'BUY' });
  await waitFor(async () => (await platform.status('alpha')).stats.fills === 1, 'the market order’s fill', 30_000);
  const signals = await query('signals', { traderId: 'alpha' }, 2);
  expect(Object.fromEntries(signals.map((s) => [s.id, [s.outcome, s.order_type, s.quantity, s.price]]))).toEqual({
    'manual-1': ['accepted', 'LIMIT', '0.050000000', '3000.000000000'],
    'sized-1': ['accepted', 'MARKET', null, null],
  });
}, 60_000);

test('a trader’s balances are stored with its exchange and account', async () => {
  const balances = await query('balances', { traderId: 'alpha' }, 2);
  expect(balances.map((b) => [b.exchange, b.account, b.asset])).toEqual([
    ['paper', 'desk', 'ETH'],
    ['paper', 'desk', 'USDT'],
  ]);
});
