import { afterEach, describe, expect, test } from 'vitest';
import type { Connection } from '../../../migrate/connect.js';
import { runMigration } from '../../../migrate/data/run.js';
import { validateMigration } from '../../../migrate/validate/checks.js';
import { migrationBench, type MigrationBench } from '../../helpers/migration.js';

let bench: MigrationBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

const query = async <R extends object = Record<string, string>>(conn: Connection, text: string) => (await conn.client.query<R>(text)).rows;

/** Every v3 table's rows, in order, as text: equal digests mean equal contents. */
async function digest(conn: Connection, tables: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = await query<{ md5: string | null; n: string }>(conn, `SELECT count(*) AS n, md5(string_agg(t::text, ',' ORDER BY t::text)) AS md5 FROM ${table} t`);
    out[table] = `${row!.n}:${row!.md5}`;
  }
  return out;
}
const V3_TABLES = ['orders', 'trades', 'balances', 'position_history', 'signals', 'traders', 'migration_quarantine', 'migration_notes'];
const V2_TABLES = ['orders', 'trades', 'balances', 'positions', 'signals'];

describe('migrate run', () => {
  test('moves every v2 row into v3 with the plan\'s transforms, and validate passes', async () => {
    bench = await migrationBench(300);
    const [lane] = bench.connections.lanes;
    const before = await digest(lane.source, V2_TABLES);
    const outcome = await runMigration({ lanes: bench.connections.lanes, chunkRows: 200 });
    expect(outcome.runId).toBe(1);
    expect(outcome.createdTrader).toBe(true);
    for (const t of outcome.tables) expect({ table: t.table, migrated: t.migrated, quarantined: t.quarantined }).toEqual({ table: t.table, migrated: t.total, quarantined: 0 });
    // v2 is only read, and its session cannot write.
    expect(await digest(lane.source, V2_TABLES)).toEqual(before);
    await expect(lane.source.client.query(`DELETE FROM orders`)).rejects.toThrow(/read-only transaction/);

    const target = lane.target!;
    const [v2Order] = await query(lane.source, `SELECT id, exchange, symbol, side, type, price, quantity, filled_quantity, status, strategy, created_at::text FROM orders WHERE symbol = 'BTC-USDT' AND type = 'limit' ORDER BY id LIMIT 1`);
    const [v3Order] = await query(target, `SELECT client_order_id, trader_id, exchange, symbol, side, order_type, price, quantity, filled_quantity, status, strategy, created_at, original_id FROM orders WHERE original_id = ${v2Order!.id}`);
    expect(v3Order).toEqual({
      client_order_id: `v2-${v2Order!.id}`,
      trader_id: 'default_trader',
      exchange: 'okx',
      symbol: 'BTC/USDT',
      side: v2Order!.side!.toUpperCase(),
      order_type: 'LIMIT',
      price: `${v2Order!.price}0`,
      quantity: `${v2Order!.quantity}0`,
      filled_quantity: `${v2Order!.filled_quantity}0`,
      status: v2Order!.status,
      strategy: v2Order!.strategy,
      created_at: new Date(`${v2Order!.created_at!.replace(' ', 'T')}Z`),
      original_id: String(v2Order!.id),
    });
    const [trade] = await query(target, `SELECT t.trade_id, t.original_id, t.client_order_id, o.original_id AS order_original FROM trades t JOIN orders o USING (client_order_id) LIMIT 1`);
    expect(trade!.original_id).toBe(trade!.trade_id);
    expect(trade!.client_order_id).toBe(`v2-${trade!.order_original}`);
    // default_trader holds the history; a trader per exchange carries the positions v2 left open (see open-positions.test.ts).
    expect(await query(target, `SELECT id, exchange, mode FROM traders ORDER BY id`)).toEqual([
      { id: 'default_trader', exchange: 'v2', mode: 'halted' },
      ...['binance', 'bybit', 'okx'].map((exchange) => ({ id: `v2-${exchange}`, exchange, mode: 'active' })),
    ]);
    // Chunks of 200 rows, each committed with its resume point.
    expect(await query(target, `SELECT from_key, to_key, rows FROM migration_chunks WHERE table_name = 'signals' ORDER BY seq`)).toEqual([
      { from_key: null, to_key: '200', rows: 200 },
      { from_key: '200', to_key: '400', rows: 200 },
      { from_key: '400', to_key: '600', rows: 200 },
    ]);

    const validation = await validateMigration(lane.source, target);
    expect(validation.checks.filter((c) => !c.ok)).toEqual([]);
    expect(validation.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['rows of orders', 'orders filled', 'v2 trades with no v3 row by original_id', 'sum of trades.price * quantity', expect.stringMatching(/^total_balance_usd at the latest snapshot/)]),
    );
  });

  test('run twice changes nothing the second time', async () => {
    bench = await migrationBench(200);
    const [lane] = bench.connections.lanes;
    await runMigration({ lanes: bench.connections.lanes });
    const first = await digest(lane.target!, V3_TABLES);
    const again = await runMigration({ lanes: bench.connections.lanes });
    expect(again.tables.map((t) => [t.table, t.migrated, t.quarantined])).toEqual(again.tables.map((t) => [t.table, 0, 0]));
    expect(again.tables.every((t) => t.before === t.total)).toBe(true);
    expect(await digest(lane.target!, V3_TABLES)).toEqual(first);
    expect((await validateMigration(lane.source, lane.target!)).checks.every((c) => c.ok)).toBe(true);
  });

  test('a dry run converts every row and writes nothing', async () => {
    bench = await migrationBench(200, { dryRun: true });
    const [lane] = bench.connections.lanes;
    expect(lane.target).toBeUndefined();
    const outcome = await runMigration({ lanes: bench.connections.lanes });
    expect(outcome.runId).toBeUndefined();
    expect(outcome.tables.map((t) => t.migrated)).toEqual(outcome.tables.map((t) => t.total));
    const { rowsOf } = await import('../../helpers/migration.js');
    expect(await rowsOf(bench.v3.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).toEqual([]);
  });

  test('goes on from the last committed chunk after a run that failed half-way, with no duplicate', async () => {
    bench = await migrationBench(400);
    const [lane] = bench.connections.lanes;
    const target = lane.target!;
    // A trigger makes the target refuse the 700th signal: the run dies in the middle of a table.
    await target.client.query(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON signals FOR EACH ROW WHEN (NEW.original_id = 700) EXECUTE FUNCTION refuse()`);
    await expect(runMigration({ lanes: bench.connections.lanes, chunkRows: 250 })).rejects.toThrow(/disk full/);
    expect(await query(target, `SELECT id, status, error FROM migration_runs`)).toEqual([{ id: 1, status: 'failed', error: expect.stringContaining('disk full') }]);
    // The two whole chunks stay; the one that failed is gone.
    const [kept] = await query(target, `SELECT count(*) AS n, max(original_id) AS last FROM signals`);
    expect(kept).toEqual({ n: '500', last: '500' });

    await target.client.query(`DROP TRIGGER refuse ON signals`);
    const resumed = await runMigration({ lanes: bench.connections.lanes, chunkRows: 250 });
    const signals = resumed.tables.find((t) => t.table === 'signals')!;
    expect({ before: signals.before, migrated: signals.migrated }).toEqual({ before: 500, migrated: 300 });
    expect((await query(target, `SELECT count(DISTINCT original_id) AS d, count(*) AS n FROM signals`))[0]).toEqual({ d: '800', n: '800' });
    expect((await validateMigration(lane.source, target)).checks.filter((c) => !c.ok)).toEqual([]);
  });
});
