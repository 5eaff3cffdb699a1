import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { latestBalances, list, listSchemas, recoverTrader, type ListName } from '../../../adapters/database/queries.js';
import { writeBatch } from '../../../adapters/database/writer.js';
import { BatchBuilder } from '../../../actors/persistence/rows.js';
import { toJson } from '../../../actors/trading/fixed.js';
import type { TraderEvent } from '../../../actors/trader/events.js';
import { freshDatabase } from '../../helpers/database.js';
import { fillEvents, orderEvent } from '../../helpers/events.js';
import { fx } from '../../helpers/trading.js';

/**
 * A database holding v2's history under `default_trader` (rows with `original_id`, as `migrate run`
 * writes them) and what a v3 trader of that name did itself on the paper exchange, on account `desk`.
 */
let db: Database;
const TRADER = 'default_trader';

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  const at = sql.unsafe`'2024-01-01T10:00:00Z'::timestamptz`;
  await db.pool.query(sql.unsafe`INSERT INTO traders (id, exchange, account, updated_at) VALUES (${TRADER}, 'paper', 'desk', to_timestamp(0))`);
  await db.pool.query(sql.unsafe`
    INSERT INTO orders (client_order_id, trader_id, exchange, symbol, side, order_type, price, quantity, status, created_at, updated_at, original_id)
    VALUES ('v2-2000', ${TRADER}, 'binance', 'BTC/USDT', 'BUY', 'LIMIT', 42000.5, 0.01, 'open', ${at}, ${at}, 2000),
           ('v2-2001', ${TRADER}, 'okx', 'ETH/USDT', 'SELL', 'MARKET', NULL, 0.5, 'new', ${at}, ${at}, 2001)`);
  await db.pool.query(sql.unsafe`
    INSERT INTO trades (exchange, trade_id, client_order_id, trader_id, symbol, side, price, quantity, executed_at, original_id)
    VALUES ('binance', 'b-77', 'v2-2000', ${TRADER}, 'BTC/USDT', 'BUY', 42000.5, 0.004, ${at}, 'b-77')`);
  // v2's latest snapshot: a row per exchange and asset.
  await db.pool.query(sql.unsafe`
    INSERT INTO balances (trader_id, exchange, asset, free, locked, total_balance_usd, timestamp, original_id)
    VALUES (${TRADER}, 'binance', 'USDT', 1000.0000000001, 0, 1000, ${at}, 31), (${TRADER}, 'bybit', 'USDT', 2000, 0, 2000, ${at}, 32),
           (${TRADER}, 'binance', 'BTC', 1.5, 0, 96000, ${at}, 33), (${TRADER}, 'okx', 'ETH', 8, 0, 24800, ${at}, 34)`);
  await db.pool.query(sql.unsafe`
    INSERT INTO signals (trader_id, id, strategy, symbol, action, quantity, price, confidence, outcome, payload, received_at, original_id)
    VALUES (${TRADER}, 'v2-7', 'sma', 'BTC/USDT', 'BUY', 0.01, 42000.5, 0.875, 'accepted', '{"rsi": 31.5}', ${at}, 7)`);
  // The v3 trader's own: an open order and a fill on paper, and an order it left open on another
  // exchange it was once registered on.
  const own: TraderEvent[] = [
    orderEvent({ clientOrderId: 'v3-own', traderId: TRADER, status: 'open', createdAt: 2_000, updatedAt: 2_000 }),
    ...fillEvents('T1', '0.5', '60000', 3_000, '0.5', 'v3-own'),
    {
      kind: 'review',
      signalId: 's1',
      clientOrderId: 'v3-own',
      approved: true,
      reason: 'fine',
      by: 'ai',
      flagged: false,
      opinions: [{ reviewer: 'risk', verdict: 'approve', confidence: 0.9, reasons: ['ok'], model: 'm', promptVersion: 'p1', latencyMs: 120, inputTokens: 300, outputTokens: 40 }],
      at: 2_500,
    } as TraderEvent,
  ];
  const paper = new BatchBuilder(() => 'paper', () => 'desk');
  paper.addTraderEvents(TRADER, own);
  await writeBatch(db.pool, paper.take());
  const elsewhere = new BatchBuilder(() => 'binance', () => 'desk');
  elsewhere.addTraderEvents(TRADER, [orderEvent({ clientOrderId: 'v3-elsewhere', traderId: TRADER, status: 'open', createdAt: 1_500, updatedAt: 1_500 })]);
  await writeBatch(db.pool, elsewhere.take());
});
afterAll(() => db.close());

/** Every value of `value`, however deep. */
function leaves(value: unknown): unknown[] {
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [value];
}

describe('lists', () => {
  test('every list types its columns: ids are strings, amounts exact decimal text, and no value is a bigint the API would print as an amount', async () => {
    for (const name of Object.keys(listSchemas) as ListName[]) {
      const { rows } = await list(db.pool, name, {});
      expect(rows.length, name).toBeGreaterThan(0);
      expect(leaves(rows).filter((v) => typeof v === 'bigint'), name).toEqual([]);
    }
    const orders = (await list(db.pool, 'orders', { traderId: TRADER })).rows;
    const v2Order = orders.find((o) => o.client_order_id === 'v2-2000')!;
    expect(v2Order).toMatchObject({ original_id: '2000', price: '42000.500000000', quantity: '0.010000000', stop_price: null });
    expect(toJson(v2Order)).toContain('"original_id":"2000"');
    expect(orders.find((o) => o.client_order_id === 'v3-own')).toMatchObject({ original_id: null, price: '60000.100000000' });
    expect((await list(db.pool, 'trades', { traderId: TRADER })).rows.find((t) => t.trade_id === 'b-77')).toMatchObject({ original_id: 'b-77', quantity: '0.004000000' });
    expect((await list(db.pool, 'signals', { traderId: TRADER })).rows).toContainEqual(
      expect.objectContaining({ id: 'v2-7', original_id: '7', confidence: '0.875', quantity: '0.010000000', payload: { rsi: 31.5 } }),
    );
    const [review] = (await list(db.pool, 'reviews', {})).rows;
    expect(review).toMatchObject({ client_order_id: 'v3-own', approved: true, opinions: [expect.objectContaining({ reviewer: 'risk', latencyMs: 120 })] });
  });

  test('the latest balances keep their exchange and account: one row per trader, exchange, account and asset', async () => {
    const { rows } = await list(db.pool, 'balances', { traderId: TRADER });
    expect(rows.map((r) => [r.exchange, r.account, r.asset, r.free, r.original_id])).toEqual([
      ['binance', null, 'BTC', '1.5000000000', '33'],
      ['binance', null, 'USDT', '1000.0000000001', '31'],
      ['bybit', null, 'USDT', '2000.0000000000', '32'],
      ['okx', null, 'ETH', '8.0000000000', '34'],
      ['paper', 'desk', 'BTC', '0.5000000000', null],
      ['paper', 'desk', 'USDT', '9000.5000000000', null],
    ]);
  });
});

describe('a trader whose id holds v2’s history', () => {
  test('recovers only what it did itself on its exchange and account: no migrated order or balance', async () => {
    const state = await recoverTrader(db.pool, TRADER, 10);
    expect(state.orders.map((o) => o.clientOrderId)).toEqual(['v3-own']);
    expect(state.balances).toEqual({ BTC: fx('0.5'), USDT: fx('9000.5') });
    expect(await latestBalances(db.pool)).toEqual({ [TRADER]: { BTC: '0.5000000000', USDT: '9000.5000000000' } });
  });

  test('never updates a migrated row, whatever it is sent', async () => {
    const row = () => db.pool.one(sql.unsafe`SELECT status, filled_quantity, updated_at FROM orders WHERE client_order_id = 'v2-2000'`);
    const before = await row();
    const builder = new BatchBuilder(() => 'paper', () => 'desk');
    builder.addTraderEvents(TRADER, [orderEvent({ clientOrderId: 'v2-2000', traderId: TRADER, status: 'cancelled', createdAt: Date.now(), updatedAt: Date.now() })]);
    await writeBatch(db.pool, builder.take());
    expect(await row()).toEqual(before);
  });
});
