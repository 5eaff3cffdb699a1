import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Connection } from '../../../migrate/connect.js';
import { runMigration, type MigrationOutcome } from '../../../migrate/data/run.js';
import { validateMigration } from '../../../migrate/validate/checks.js';
import { migrationBench, type MigrationBench } from '../../helpers/migration.js';

/**
 * Rows real v2 data holds: values outside its enumerations, upper case, NULLs, orphans, numbers v3
 * cannot hold, times that are no time. Ids 1-9 of each table are clean; the others are dirty.
 */
const DIRTY_V2 = `
  ALTER TABLE trades DROP CONSTRAINT trades_order_id_fkey;
  INSERT INTO orders (id, exchange, symbol, side, type, price, stop_price, quantity, filled_quantity, status, exchange_order_id, strategy, created_at, updated_at) VALUES
    (1, 'binance', 'BTCUSDT', 'buy', 'limit', 64000.5, NULL, 0.5, 0.5, 'filled', 'EX1', 'sma_cross', '2024-01-01 00:00:01', '2024-01-01 00:00:02'),
    (2, 'okx', 'ETH-USDT', 'sell', 'market', NULL, NULL, 2, 0, 'new', 'EX2', NULL, '2024-01-01 00:00:03', '2024-01-01 00:00:04'),
    (10, 'binance', 'BTCUSDT', 'buy', 'LIMIT', 100, NULL, 1, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (11, 'Binance ', 'SOLUSDT', 'BUY', 'market', NULL, NULL, 1, 1, 'canceled', NULL, NULL, '2024-01-02 00:00:00', '2024-01-02 00:00:01'),
    (12, 'binance', 'BTCUSDT', 'buy', 'trailing_stop', 100, NULL, 1, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (13, 'binance', 'BTCUSDT', 'buy', 'limit', NULL, NULL, 1, 1, 'filled', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (14, 'binance', 'BTCUSDT', 'buy', 'limit', 100, NULL, 9999999999999999.99999999, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (15, 'binance', 'BTCUSDT', 'buy', 'limit', 100, NULL, 'NaN', 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (16, 'kraken', 'BTCUSDT', 'buy', 'market', NULL, NULL, 1, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (17, 'binance', 'BTC USDT', 'buy', 'market', NULL, NULL, 1, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (18, 'binance', 'BTCUSDT', 'buy', 'market', NULL, NULL, 1, 2, 'filled', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (19, 'binance', 'BTCUSDT', 'buy', 'market', NULL, NULL, 1, 0, 'pending_new', NULL, NULL, '2024-01-02 00:00:00', NULL),
    (20, 'binance', 'BTCUSDT', 'buy', 'market', NULL, NULL, 1, 0, 'open', NULL, NULL, 'infinity', NULL),
    (21, 'binance', 'BTCUSDT', 'buy', 'stop', 100, NULL, 1, 0, 'open', NULL, NULL, '2024-01-02 00:00:00', NULL);
  INSERT INTO trades (trade_id, order_id, exchange, symbol, side, price, quantity, fee, fee_currency, executed_at) VALUES
    ('binance-T1-1', 1, 'binance', 'BTCUSDT', 'buy', 64000.5, 0.5, -0.01, 'USDT', '2024-01-01 00:00:02'),
    ('binance-T-none', NULL, 'binance', 'BTCUSDT', 'sell', 64000, 0.1, 0, NULL, '2024-01-01 00:00:05'),
    ('binance-T13-1', 13, 'binance', 'BTCUSDT', 'buy', 100, 1, 0.1, 'USDT', '2024-01-02 00:00:01'),
    ('binance-T999-1', 999, 'binance', 'BTCUSDT', 'buy', 100, 1, 0.1, 'USDT', '2024-01-02 00:00:01'),
    ('binance-T1-2', 1, 'binance', 'BTCUSDT', 'buy', 0, 0.5, 0, 'USDT', '2024-01-02 00:00:01');
  INSERT INTO balances (id, exchange, asset, free, locked, total_balance_usd, timestamp) VALUES
    (1, 'binance', 'USDT', 1000.0000000001, 0, 1000, '2024-01-01 00:00:00'),
    (2, 'bybit', 'USDT', 500, 0, 500, '2024-01-01 00:00:00'),
    (10, 'okx', 'usdt', 10, 0, NULL, '2024-01-01 00:00:00'),
    (11, 'okx', 'BTC', -1, 0, 100, '2024-01-01 00:00:00');
  INSERT INTO positions (id, exchange, symbol, side, quantity, entry_price, unrealized_pnl, realized_pnl, opened_at, closed_at) VALUES
    (1, 'bybit', 'XRPUSDT', 'long', 100, 0.52, NULL, -3.5, '2024-01-01 00:00:00', NULL),
    (10, 'bybit', 'XRPUSDT', 'SHORT', 100, 0.52, 1, 2, '2024-01-01 00:00:00', '2024-01-01 01:00:00'),
    (11, 'bybit', 'XRPUSDT', 'long', 100, 0.52, 1, 2, '2024-01-01 02:00:00', '2024-01-01 01:00:00'),
    (12, 'bybit', 'XRPUSDT', 'flat', 100, 0.52, 1, 2, '2024-01-01 02:00:00', NULL);
  INSERT INTO signals (id, strategy, symbol, action, quantity, price, confidence, payload, created_at, processed) VALUES
    (1, 'sma_cross', 'BTCUSDT', 'BUY', 0.1, 64000, 0.875, '{"reason": "cross\\tover", "note": "a\\\\b"}', '2024-01-01 00:00:00', true),
    (2, 'rsi_revert', 'ETH-USDT', 'SELL', NULL, NULL, NULL, NULL, '2024-01-01 00:00:01', false),
    (10, 'sma_cross', 'BTCUSDT', 'buy', 0.1, 64000, 0.5, NULL, '2024-01-01 00:00:02', true),
    (11, 'sma_cross', 'BTCUSDT', 'HOLD', 0.1, 64000, 0.5, NULL, '2024-01-01 00:00:03', true),
    (12, 'sma_cross', 'BTCUSDT', 'BUY', 0.1, 64000, 'NaN', NULL, '2024-01-01 00:00:04', true);
`;

let bench: MigrationBench;
let outcome: MigrationOutcome;
let target: Connection;
const query = async (text: string) => (await target.client.query<Record<string, unknown>>(text)).rows;

beforeAll(async () => {
  bench = await migrationBench(undefined, { v2Sql: DIRTY_V2 });
  outcome = await runMigration({ lanes: bench.connections.lanes });
  target = bench.connections.lanes[0].target!;
});
afterAll(() => bench.close());

describe('dirty v2 rows', () => {
  test('each is quarantined whole with its field and reason, or carried over with a note; none is lost', async () => {
    const quarantined = await query(`SELECT table_name || ' ' || original_id AS row, field, reason FROM migration_quarantine ORDER BY table_name, original_id COLLATE "C"`);
    expect(quarantined).toEqual([
      { row: 'balances 11', field: 'free', reason: 'free -1.0000000000 is negative' },
      { row: 'orders 12', field: 'type', reason: 'type "trailing_stop" is not one of market, limit, stop' },
      { row: 'orders 13', field: 'price', reason: 'price is NULL' },
      { row: 'orders 14', field: 'quantity', reason: "quantity 9999999999999999.99999999 is beyond v3's range (|x| <= 1e15)" },
      { row: 'orders 15', field: 'quantity', reason: 'quantity is NaN' },
      { row: 'orders 16', field: 'exchange', reason: expect.stringMatching(/^exchange "kraken" is not one of binance, bybit, okx, /) },
      { row: 'orders 17', field: 'symbol', reason: 'symbol "BTC USDT" is not a symbol v3 can read as BASE/QUOTE' },
      { row: 'orders 18', field: 'filled_quantity', reason: 'filled_quantity 2.00000000 is more than quantity 1.00000000' },
      { row: 'orders 19', field: 'status', reason: expect.stringMatching(/^status "pending_new" is not one of new, open, partially_filled, filled, cancelled, canceled, rejected, expired$/) },
      { row: 'orders 20', field: 'created_at', reason: 'created_at "infinity" is not a time' },
      { row: 'orders 21', field: 'stop_price', reason: 'stop_price is NULL' },
      { row: 'positions 11', field: 'closed_at', reason: 'closed_at 2024-01-01 01:00:00 is before opened_at 2024-01-01 02:00:00' },
      { row: 'positions 12', field: 'side', reason: 'side "flat" is not one of long, short' },
      { row: 'signals 11', field: 'action', reason: 'action "HOLD" is not one of BUY, SELL, CLOSE' },
      { row: 'signals 12', field: 'confidence', reason: 'confidence is NaN' },
      { row: 'trades binance-T1-2', field: 'price', reason: 'price is 0' },
      { row: 'trades binance-T13-1', field: 'order_id', reason: 'its order 13 is quarantined' },
      { row: 'trades binance-T999-1', field: 'order_id', reason: 'order_id 999 is no order of v2 (an orphan)' },
    ]);
    // The whole v2 row is kept, as v2 printed it.
    expect((await query(`SELECT row FROM migration_quarantine WHERE table_name = 'orders' AND original_id = '14'`))[0]!.row).toMatchObject({
      id: '14', quantity: '9999999999999999.99999999', type: 'limit', updated_at: null,
    });
    expect(await query(`SELECT table_name || ' ' || original_id AS row, field, note FROM migration_notes ORDER BY 1, 2`)).toEqual([
      { row: 'balances 10', field: 'asset', note: '"usdt" read as "USDT"' },
      { row: 'orders 10', field: 'type', note: '"LIMIT" read as "limit"' },
      { row: 'orders 10', field: 'updated_at', note: 'NULL read as created_at' },
      { row: 'orders 11', field: 'exchange', note: '"Binance " read as "binance"' },
      { row: 'orders 11', field: 'side', note: '"BUY" read as "buy"' },
      { row: 'orders 11', field: 'status', note: '"canceled" read as "cancelled"' },
      { row: 'positions 10', field: 'side', note: '"SHORT" read as "short"' },
      { row: 'signals 10', field: 'action', note: '"buy" read as "BUY"' },
    ]);
    expect(outcome.tables.map((t) => [t.table, t.total, t.migrated, t.quarantined])).toEqual([
      ['orders', 14, 4, 10],
      ['trades', 5, 2, 3],
      ['balances', 4, 3, 1],
      ['positions', 4, 2, 2],
      ['signals', 5, 3, 2],
    ]);
  });

  test('carried rows keep their values exactly, read the v3 way', async () => {
    expect(await query(`SELECT original_id, exchange, order_type, side, status, updated_at = created_at AS same FROM orders WHERE original_id IN (10, 11) ORDER BY 1`)).toEqual([
      { original_id: '10', exchange: 'binance', order_type: 'LIMIT', side: 'BUY', status: 'open', same: true },
      { original_id: '11', exchange: 'binance', order_type: 'MARKET', side: 'BUY', status: 'cancelled', same: false },
    ]);
    // v2's 10 decimals and a maker rebate survive; a trade without an order keeps none.
    expect(await query(`SELECT asset, free::text FROM balances WHERE original_id = 1`)).toEqual([{ asset: 'USDT', free: '1000.0000000001' }]);
    expect(await query(`SELECT trade_id, client_order_id, fee::text FROM trades ORDER BY trade_id`)).toEqual([
      { trade_id: 'binance-T-none', client_order_id: null, fee: '0.000000000' },
      { trade_id: 'binance-T1-1', client_order_id: 'v2-1', fee: '-0.010000000' },
    ]);
    expect(await query(`SELECT id, outcome, reason, confidence::text, payload FROM signals WHERE original_id IN (1, 2) ORDER BY id`)).toEqual([
      { id: 'v2-1', outcome: 'accepted', reason: 'processed by v2', confidence: '0.875', payload: { reason: 'cross\tover', note: 'a\\b' } },
      { id: 'v2-2', outcome: 'skipped', reason: 'not processed by v2', confidence: null, payload: null },
    ]);
  });

  test('validate balances every check as v2 = v3 + quarantined', async () => {
    const validation = await validateMigration(bench.connections.lanes[0].source, target);
    expect(validation.checks.filter((c) => !c.ok)).toEqual([]);
    expect(validation.checks.find((c) => c.name === 'rows of orders')).toMatchObject({ v2: '14', v3: '4', quarantined: '10' });
    expect(validation.checks.find((c) => c.name === 'orders cancelled')).toMatchObject({ v2: '1', v3: '1', quarantined: '0' });
    expect(validation.checks.find((c) => c.name === 'orders pending_new')).toMatchObject({ v2: '1', v3: '0', quarantined: '1' });
    expect(validation.checks.find((c) => c.name.startsWith('total_balance_usd'))).toMatchObject({ v2: '1600.00', v3: '1500.000000000', quarantined: '100.00' });
  });

  test('validate finds a migrated row that went missing, by its key', async () => {
    await target.client.query(`DELETE FROM trades WHERE trade_id = 'binance-T-none'`);
    const failed = (await validateMigration(bench.connections.lanes[0].source, target)).checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['rows of trades', 'v2 trades with no v3 row by original_id', 'sum of trades.quantity', 'sum of trades.price * quantity']);
    expect(failed[1]!.detail).toBe('1 missing, 0 extra: v2 trades binance-T-none has no v3 row');
  });
});
