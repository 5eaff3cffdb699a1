import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { sql } from 'slonik';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { streamKilling } from '../../helpers/kills.js';

let platform: TestPlatform | undefined;
let server: TestDatabaseServer | undefined;
afterEach(async () => {
  await platform?.stop();
  await server?.close();
  platform = undefined;
  server = undefined;
});

test('the persistence worker killed three times mid-stream stores every row once and passes every event on once', async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await db.close();
  const journalPath = join(await mkdtemp(join(tmpdir(), 'botv3-journal-')), 'journal.ndjson');
  platform = await startPlatform(
    { traders: [{ id: 'alpha', symbols: ['ETH/USDT'], balances: { USDT: 100_000 } }] },
    { database: { url: server.url, poolSize: server.poolSize, journalPath } },
  );
  const total = 3_000;
  await streamKilling(platform, ADDRESSES.persistence, total);

  await platform.stop();
  platform = undefined;
  // Counted in the database itself, after the platform stopped (an embedded database takes one connection at a time).
  const check = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  try {
    const count = (table: string, column: string) =>
      check.pool.oneFirst(sql.unsafe`SELECT count(DISTINCT ${sql.identifier([column])}) FILTER (WHERE trader_id = 'alpha') FROM ${sql.identifier([table])}`);
    expect(await count('orders', 'client_order_id')).toBe(BigInt(total));
    expect(await check.pool.oneFirst(sql.unsafe`SELECT count(*) FROM orders WHERE trader_id = 'alpha' AND status <> 'filled'`)).toBe(0n);
    expect(await count('trades', 'trade_id')).toBe(BigInt(total));
    expect(await count('signals', 'id')).toBe(BigInt(total));
  } finally {
    await check.close();
  }
});
