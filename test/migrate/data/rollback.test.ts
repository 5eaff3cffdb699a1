import { afterEach, describe, expect, test } from 'vitest';
import { openLanes } from '../../../migrate/connect.js';
import { rollbackMigration } from '../../../migrate/data/rollback.js';
import { runMigration } from '../../../migrate/data/run.js';
import { validateMigration } from '../../../migrate/validate/checks.js';
import { migrationBench, type MigrationBench } from '../../helpers/migration.js';
import { runSql } from '../../helpers/v2-database.js';

let bench: MigrationBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

/** v3's own data, there before the migration: a trader with an order, a signal and a balance. */
const OWN_ROWS = `
  INSERT INTO traders (id, exchange, account) VALUES ('sma-btc', 'paper', 'sma-btc');
  INSERT INTO orders (client_order_id, trader_id, exchange, symbol, side, order_type, quantity, status, created_at, updated_at)
    VALUES ('sma-btc-1', 'sma-btc', 'paper', 'BTC/USDT', 'BUY', 'MARKET', 1, 'filled', now(), now());
  INSERT INTO signals (trader_id, id, strategy, symbol, action, outcome, received_at) VALUES ('sma-btc', 's1', 'sma', 'BTC/USDT', 'BUY', 'accepted', now());
  INSERT INTO balances (trader_id, asset, free, timestamp) VALUES ('sma-btc', 'USDT', 10000, now())`;

const NEW_V2_ROWS = `
  INSERT INTO orders (exchange, symbol, side, type, quantity, status, created_at) VALUES ('binance', 'BTCUSDT', 'buy', 'market', 1, 'new', '2025-01-01 00:00:00');
  INSERT INTO signals (strategy, symbol, action, created_at) VALUES ('sma_cross', 'BTCUSDT', 'BUY', '2025-01-01 00:00:00')`;

const count = async (bench: MigrationBench, table: string, where = 'true') =>
  Number((await bench.connections.lanes[0].target!.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0]!.n);

describe('migrate rollback', () => {
  test('removes a run and the ones after it, then every run, leaving v3\'s own data', async () => {
    bench = await migrationBench(50);
    const target = () => bench!.connections.lanes[0].target!;
    await target().client.query(OWN_ROWS);
    const first = await runMigration({ lanes: bench.connections.lanes });
    const firstOrders = first.tables[0]!.migrated;

    // v2 moves on, and a second run takes only what is new.
    await bench.connections.close();
    await runSql(bench.v2.url, NEW_V2_ROWS);
    bench.connections = await openLanes(bench.v2.url, bench.v3.url);
    const second = await runMigration({ lanes: bench.connections.lanes });
    expect(second.tables.map((t) => t.migrated)).toEqual([1, 0, 0, 0, 1]);

    const undone = await rollbackMigration(target(), { run: second.runId! });
    expect(undone).toEqual({ runs: [2], removed: { migration_carried: 0, signals: 1, position_history: 0, balances: 0, trades: 0, orders: 1 }, removedTrader: false });
    expect(await count(bench, 'orders', 'original_id IS NOT NULL')).toBe(firstOrders);
    // The next run takes the rolled-back rows again.
    expect((await runMigration({ lanes: bench.connections.lanes })).tables.map((t) => t.migrated)).toEqual([1, 0, 0, 0, 1]);
    expect((await validateMigration(bench.connections.lanes[0].source, target())).checks.every((c) => c.ok)).toBe(true);

    const all = await rollbackMigration(target());
    expect(all.runs).toEqual([3, 1]);
    expect(all.removedTrader).toBe(true);
    for (const table of ['orders', 'signals', 'balances']) expect(await count(bench, table)).toBe(1);
    for (const table of ['trades', 'position_history', 'migration_quarantine', 'migration_notes', 'migration_chunks']) expect(await count(bench, table)).toBe(0);
    expect((await target().client.query(`SELECT id FROM traders`)).rows).toEqual([{ id: 'sma-btc' }]);
    expect((await target().client.query(`SELECT id, status FROM migration_runs ORDER BY id`)).rows).toEqual([
      { id: 1, status: 'rolled_back' },
      { id: 2, status: 'rolled_back' },
      { id: 3, status: 'rolled_back' },
    ]);
    await expect(rollbackMigration(target(), { run: 2 })).rejects.toThrow(/there is no migration run 2 to roll back/);
  });
});
