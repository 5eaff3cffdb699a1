import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { recoverTrader } from '../../../adapters/database/queries.js';
import { rollbackMigration } from '../../../migrate/data/rollback.js';
import { runMigration } from '../../../migrate/data/run.js';
import { validateMigration } from '../../../migrate/validate/checks.js';
import { migrationBench, type MigrationBench } from '../../helpers/migration.js';
import { fx } from '../../helpers/trading.js';

/**
 * Beside the generator's positions (scale 300: five open, shorts among them, two pairs on one exchange
 * and symbol): three open rows on okx SOL-USDT to net by hand, one spelled oddly, one that cannot be read,
 * and a closed one that stays history.
 */
const V2_ROWS = `
  INSERT INTO positions (id, exchange, symbol, side, quantity, entry_price, realized_pnl, opened_at, closed_at) VALUES
    (9001, 'okx', 'SOL-USDT', 'long', 2, 100, NULL, '2024-03-01 00:00:00', NULL),
    (9002, 'OKX', 'sol-usdt', 'long', 1, 130, NULL, '2024-03-01 00:01:00', NULL),
    (9003, 'okx', 'SOL-USDT', 'SHORT ', 1.5, 120, 4, '2024-03-01 00:02:00', NULL),
    (9004, 'okx', 'SOL-USDT', 'hedge', 1, 120, NULL, '2024-03-01 00:03:00', NULL),
    (9005, 'okx', 'SOL-USDT', 'long', 7, 90, NULL, '2024-02-01 00:00:00', '2024-02-02 00:00:00')`;

const query = async (text: string) => (await bench.connections.lanes[0].target!.client.query<Record<string, string>>(text)).rows;
const V2_OPEN = `SELECT count(*) AS n FROM positions WHERE closed_at IS NULL`;

/** One v2 and one v3 for the file: the tests run in order, a migration, a tampered position, then the rollback. */
let bench: MigrationBench;
let open: number;
beforeAll(async () => {
  bench = await migrationBench(300, { v2Sql: V2_ROWS });
  open = Number((await bench.connections.lanes[0].source.client.query<{ n: string }>(V2_OPEN)).rows[0]!.n);
});
afterAll(() => bench.close());

describe("v2's open positions", () => {
  test('become open positions of the trader bound to their exchange, netted in the order they opened, each once; validate checks them', async () => {
    const [lane] = bench.connections.lanes;
    const outcome = await runMigration({ lanes: bench.connections.lanes });
    // All but the unreadable side: it is quarantined, with the others' history.
    expect(outcome.carried!.rows).toBe(open - 1);
    expect(outcome.carried!.carriers).toEqual([
      { traderId: 'v2-binance', exchange: 'binance', symbols: ['BTC/USDT:USDT'] },
      { traderId: 'v2-bybit', exchange: 'bybit', symbols: ['BTC/USDT:USDT'] },
      { traderId: 'v2-okx', exchange: 'okx', symbols: ['BTC/USDT:USDT', 'SOL/USDT:USDT'] },
    ]);
    // Long 2 at 100, long 1 at 130: long 3 at 110. Short 1.5 at 120 realizes (120 - 110) * 1.5 = 15, plus v2's 4.
    expect(await query(`SELECT quantity::text, avg_entry_price::text, realized_pnl::text, opened_at FROM positions WHERE trader_id = 'v2-okx' AND symbol = 'SOL/USDT:USDT'`)).toEqual([
      { quantity: '1.500000000', avg_entry_price: '110.000000000', realized_pnl: '19.000000000', opened_at: new Date('2024-03-01T00:00:00Z') },
    ]);
    expect(await query(`SELECT id, exchange, account, mode FROM traders WHERE id LIKE 'v2-%' ORDER BY id`)).toEqual(
      ['binance', 'bybit', 'okx'].map((exchange) => ({ id: `v2-${exchange}`, exchange, account: 'default', mode: 'active' })),
    );
    expect((await query(`SELECT count(*) AS n, count(DISTINCT original_id) AS d FROM migration_carried`))[0]).toEqual({ n: String(open - 1), d: String(open - 1) });

    const checks = (await validateMigration(lane.source, lane.target!)).checks;
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.name === 'v2 open positions carried as open v3 positions, each once')).toMatchObject({ v2: String(open), v3: String(open - 1), quarantined: '1' });
    expect(checks.find((c) => c.name === 'open position v2-okx SOL/USDT:USDT (longs - shorts)')).toMatchObject({ v2: '1.5', v3: '1.5', ok: true });

    // A second run carries nothing again.
    const again = await runMigration({ lanes: bench.connections.lanes });
    expect(again.carried!.rows).toBe(0);
    expect((await query(`SELECT count(*) AS n FROM migration_carried`))[0]!.n).toBe(String(open - 1));

    // The carrier's first start finds what it carries: the trader recovers it as its own.
    const db = await openDatabase({ url: bench.v3.url, maximumPoolSize: 1 });
    try {
      const recovered = await recoverTrader(db.pool, 'v2-okx', 10);
      expect(recovered.positions.find((p) => p.symbol === 'SOL/USDT:USDT')).toMatchObject({ quantity: fx('1.5'), avgEntry: fx('110'), realizedPnl: fx('19') });
      expect(recovered.mode).toBe('active');
    } finally {
      await db.close();
    }
  });

  test('a validation finds a v3 position that no longer matches v2', async () => {
    const [lane] = bench.connections.lanes;
    const tamper = (by: number) => lane.target!.client.query(`UPDATE positions SET quantity = quantity + ${by} WHERE trader_id = 'v2-okx' AND symbol = 'SOL/USDT:USDT'`);
    await tamper(1);
    const failed = (await validateMigration(lane.source, lane.target!)).checks.filter((c) => !c.ok);
    await tamper(-1);
    expect(failed).toEqual([expect.objectContaining({ name: 'open position v2-okx SOL/USDT:USDT (longs - shorts)', v2: '1.5', v3: '2.5' })]);
  });

  test('rollback takes the carried positions and their traders away', async () => {
    const outcome = await rollbackMigration(bench.connections.lanes[0].target!);
    expect(outcome.removed.migration_carried).toBeGreaterThan(0);
    expect(await query(`SELECT trader_id FROM positions`)).toEqual([]);
    expect(await query(`SELECT id FROM traders WHERE id LIKE 'v2-%'`)).toEqual([]);
    expect(await query(`SELECT original_id FROM migration_carried`)).toEqual([]);
  });
});
