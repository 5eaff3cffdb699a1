import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { latestBalances, type Page } from '../../../adapters/database/queries.js';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { openLanes } from '../../../migrate/connect.js';
import { DEFAULT_TRADER } from '../../../migrate/data/tables.js';
import { runMigration } from '../../../migrate/data/run.js';
import { validateMigration, type Validation } from '../../../migrate/validate/checks.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { rowsOf } from '../../helpers/migration.js';
import { startPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { freshV2Database } from '../../helpers/v2-database.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * v3 started on a migrated database with a trader named `default_trader`, the trader the migration
 * files v2's history under: v2's live orders, balance snapshots and signals are history, not the
 * trader's state. It starts from its config, reconciles nothing, and leaves every migrated row as it
 * was, so `migrate validate` passes after it as before.
 */
let v2: TestDatabaseServer;
let v3: TestDatabaseServer;

beforeAll(async () => {
  v2 = await freshV2Database(300);
  v3 = await freshDatabaseServer();
  const lanes = await openLanes(v2.url, v3.url);
  try {
    await runMigration({ lanes: lanes.lanes });
  } finally {
    await lanes.close();
  }
}, 120_000);
afterAll(async () => {
  await v3?.close();
  await v2?.close();
}, 60_000);

async function validate(): Promise<Validation> {
  const lanes = await openLanes(v2.url, v3.url);
  try {
    return await validateMigration(lanes.lanes[0].source, lanes.lanes[0].target!);
  } finally {
    await lanes.close();
  }
}

/** Every migrated row of each table, as text: equal digests mean nothing migrated changed. */
async function migratedRows(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['orders', 'trades', 'balances', 'signals', 'position_history']) {
    const [row] = await rowsOf<{ n: string; md5: string }>(v3.url, `SELECT count(*) AS n, md5(string_agg(t::text, ',' ORDER BY t::text)) AS md5 FROM ${table} t WHERE original_id IS NOT NULL`);
    out[table] = `${row!.n}:${row!.md5}`;
  }
  return out;
}

test('a trader named default_trader starts from its config, reconciles none of v2’s orders, and migrate validate still passes', async () => {
  expect((await validate()).checks.filter((c) => !c.ok)).toEqual([]);
  const [live] = await rowsOf<{ n: string }>(v3.url, `SELECT count(*) AS n FROM orders WHERE original_id IS NOT NULL AND status IN ('new', 'open', 'partially_filled')`);
  expect(Number(live!.n)).toBeGreaterThan(50);
  const before = await migratedRows();
  const v2Latest = await rowsOf<{ exchange: string; asset: string; free: string }>(
    v2.url,
    `SELECT exchange, asset, free::text FROM balances WHERE timestamp = (SELECT max(timestamp) FROM balances) ORDER BY exchange, asset`,
  );
  expect(v2Latest).toHaveLength(9);

  // The paper accounts open as `botv3 start` opens them: with the stored balances of each trader.
  const db = await openDatabase({ url: v3.url, maximumPoolSize: 1 });
  const balances = await latestBalances(db.pool);
  await db.close();
  expect(balances[DEFAULT_TRADER]).toBeUndefined();

  const platform = await startPlatform(
    {
      exchanges: { paper: { type: 'paper', replay: replayFiles({ 'BTC/USDT': [64_000, 64_000], 'ETH/USDT': [3_100, 3_100] }) } },
      traders: [{ id: DEFAULT_TRADER, symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 10_000 } }],
    },
    { balances, database: { url: v3.url, poolSize: v3.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') } },
  );
  try {
    // The exchange answers a reconcile before it sends the candle: once the trader has marks, any
    // reconciliation of recovered orders would be done.
    platform.advance();
    const status = await waitFor(async () => {
      const s = await platform.status(DEFAULT_TRADER);
      return Object.keys(s.marks).length === 2 && s;
    }, 'the first candle', 30_000);
    expect(status.orders).toEqual({});
    expect(status.positions).toEqual({});
    expect(status.balances).toEqual({ USDT: toFixed(10_000, 'USDT') });
    // P&L: equity less the starting 10,000 USDT.
    expect(status.equity).toBe(toFixed(10_000, 'equity'));
    expect(await platform.balances(DEFAULT_TRADER)).toEqual({ USDT: { free: toFixed(10_000, 'USDT'), locked: 0n } });

    // v2's latest snapshot is served whole: a row per exchange and asset.
    await platform.system.request(ADDRESSES.persistence, { type: 'sync' });
    const page = await platform.system.request<Page>(ADDRESSES.persistence, { type: 'query', list: 'balances', filter: { traderId: DEFAULT_TRADER } });
    expect(page.rows.map((r) => ({ exchange: r.exchange, asset: r.asset, free: r.free }))).toEqual(v2Latest);
  } finally {
    await platform.stop();
  }

  expect(await migratedRows()).toEqual(before);
  expect(await rowsOf(v3.url, `SELECT payload FROM events WHERE kind = 'reconciled'`)).toEqual([]);
  expect((await validate()).checks.filter((c) => !c.ok)).toEqual([]);
}, 180_000);
