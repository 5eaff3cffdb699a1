import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'slonik';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Database } from '../../../adapters/database/connect.js';
import { loadMigrations, migrate, migrationStatus, type Migration } from '../../../adapters/database/migrator.js';
import { freshDatabase } from '../../helpers/database.js';

let db: Database;
beforeEach(async () => {
  db = await freshDatabase();
});
afterEach(async () => {
  await db.close();
});

async function migrationsIn(files: Record<string, string>): Promise<Migration[]> {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-migrations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return loadMigrations(pathToFileURL(`${dir}/`));
}

const tables = async () =>
  (await db.pool.anyFirst(sql.type(z.object({ table_name: z.string() }))`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`))
    .filter((t) => t !== 'schema_migrations')
    .sort();

describe('the v3 schema', () => {
  test('is applied once, then reported applied', async () => {
    expect(await migrationStatus(db.pool)).toEqual({ applied: [], pending: [{ version: 1, name: 'schema' }, { version: 2, name: 'signal_outcomes' }, { version: 3, name: 'review_verdicts' }, { version: 4, name: 'v2_migration' }, { version: 5, name: 'signal_asked_balance_accounts' }, { version: 6, name: 'swap_funding' }, { version: 7, name: 'v2_open_positions' }, { version: 8, name: 'swap_funded_to' }, { version: 9, name: 'trader_leases' }] });
    expect(await migrate(db.pool)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await migrate(db.pool)).toEqual([]);
    const status = await migrationStatus(db.pool);
    expect(status.pending).toEqual([]);
    expect(status.applied).toEqual([
      { version: 1, name: 'schema', appliedAt: expect.any(Date) },
      { version: 2, name: 'signal_outcomes', appliedAt: expect.any(Date) },
      { version: 3, name: 'review_verdicts', appliedAt: expect.any(Date) },
      { version: 4, name: 'v2_migration', appliedAt: expect.any(Date) },
      { version: 5, name: 'signal_asked_balance_accounts', appliedAt: expect.any(Date) },
      { version: 6, name: 'swap_funding', appliedAt: expect.any(Date) },
      { version: 7, name: 'v2_open_positions', appliedAt: expect.any(Date) },
      { version: 8, name: 'swap_funded_to', appliedAt: expect.any(Date) },
      { version: 9, name: 'trader_leases', appliedAt: expect.any(Date) },
    ]);
    expect(await tables()).toEqual(
      ['balances', 'events', 'orders', 'positions', 'reviews', 'signals', 'strategies', 'traders', 'trades', 'position_history', 'trader_leases']
        .concat(['migration_runs', 'migration_chunks', 'migration_quarantine', 'migration_notes', 'migration_carried'])
        .sort(),
    );
  });

  test('keeps money exact: no float column anywhere, and numeric round-trips 9 decimals', async () => {
    await migrate(db.pool);
    const floats = await db.pool.anyFirst(
      sql.type(z.object({ column: z.string() }))`
        SELECT table_name || '.' || column_name AS column FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('real', 'double precision')`,
    );
    expect(floats).toEqual([]);
    await db.pool.query(sql.unsafe`
      INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, updated_at)
      VALUES ('t', 'BTC/USDT', '0.000000001', '123456789012345.123456789', now())`);
    const row = await db.pool.one(sql.type(z.object({ quantity: z.string(), avg_entry_price: z.string() }))`SELECT quantity, avg_entry_price FROM positions`);
    expect(row).toEqual({ quantity: '0.000000001', avg_entry_price: '123456789012345.123456789' });
  });

  test('refuses a client order id twice and an order type outside MARKET, LIMIT, STOP', async () => {
    await migrate(db.pool);
    const order = (id: string, type: string) => sql.unsafe`
      INSERT INTO orders (client_order_id, trader_id, exchange, symbol, side, order_type, quantity, status, created_at, updated_at)
      VALUES (${id}, 't', 'paper', 'BTC/USDT', 'BUY', ${type}, '1', 'new', now(), now())`;
    await db.pool.query(order('v3a', 'MARKET'));
    await expect(db.pool.query(order('v3a', 'LIMIT'))).rejects.toThrow(/unique integrity constraint/i);
    await expect(db.pool.query(order('v3b', 'market'))).rejects.toThrow(/check integrity constraint/i);
  });
});

describe('the migrator', () => {
  test('a migration that fails leaves nothing behind and says which one', async () => {
    const migrations = await migrationsIn({
      '0001_ok.sql': 'CREATE TABLE a (id int);\n',
      '0002_broken.sql': 'CREATE TABLE b (id int);\nCREATE TABLE c (id nonsense_type);\n',
    });
    await expect(migrate(db.pool, migrations)).rejects.toMatchObject({ code: 'ERR_MIGRATION_FAILED', message: expect.stringMatching(/^migration 2_broken failed: .*nonsense_type/) });
    expect(await tables()).toEqual(['a']);
    expect((await migrationStatus(db.pool, migrations)).pending).toEqual([{ version: 2, name: 'broken' }]);
  });

  test('an applied migration whose file changed is an error, not a silent skip', async () => {
    await migrate(db.pool, await migrationsIn({ '0001_a.sql': 'CREATE TABLE a (id int);\n' }));
    const changed = await migrationsIn({ '0001_a.sql': 'CREATE TABLE a (id bigint);\n' });
    await expect(migrationStatus(db.pool, changed)).rejects.toMatchObject({ code: 'ERR_MIGRATION_CHANGED' });
    await expect(migrate(db.pool, changed)).rejects.toMatchObject({ code: 'ERR_MIGRATION_CHANGED' });
  });

  test('processes starting at once apply each migration once', async () => {
    const migrations = await migrationsIn({ '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_b.sql': 'CREATE TABLE b (id int);\n' });
    const runs = await Promise.all([migrate(db.pool, migrations), migrate(db.pool, migrations), migrate(db.pool, migrations)]);
    expect(runs.flat().sort()).toEqual([1, 2]);
    expect(await tables()).toEqual(['a', 'b']);
  });
});
