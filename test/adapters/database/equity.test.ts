import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../../adapters/database/connect.js';
import { equityBounds, equityHistory, equitySteps, traderFills } from '../../../adapters/database/equity.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { findOrder } from '../../../adapters/database/queries.js';
import { freshDatabase } from '../../helpers/database.js';
import { fx } from '../../helpers/trading.js';

let db: Database;

/** A balance row: `(trader, exchange, account, asset, equity, epoch ms, v2 id)`. */
type Balance = [string, string, string, string, string | null, number, number | null];

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  await db.pool.query(sql.unsafe`
    INSERT INTO traders (id, exchange, account, created_at, updated_at) VALUES ('t', 'paper', 't', to_timestamp(0.5), to_timestamp(0)), ('u', 'paper', 'u', to_timestamp(0), to_timestamp(0))`);
  const balances: Balance[] = [
    // One ledger change at 1 s: two assets, one equity.
    ['t', 'paper', 't', 'BTC', '1010', 1_000, null],
    ['t', 'paper', 't', 'USDT', '1010', 1_000, null],
    ['t', 'paper', 't', 'USDT', '990', 2_000, null],
    ['t', 'paper', 't', 'USDT', '1100', 3_000, null],
    ['t', 'paper', 't', 'USDT', '935', 4_000, null],
    ['t', 'paper', 't', 'USDT', '1000', 5_000, null],
    // Not its own: another account, v2's history, a row without an equity, another trader.
    ['t', 'paper', 'elsewhere', 'USDT', '1', 2_500, null],
    ['t', 'binance', 't', 'USDT', '2', 2_600, 7],
    ['t', 'paper', 't', 'ETH', null, 2_700, null],
    ['u', 'paper', 'u', 'USDT', '3', 2_800, null],
  ];
  for (const [trader, exchange, account, asset, equity, at, original] of balances) {
    await db.pool.query(sql.unsafe`
      INSERT INTO balances (trader_id, exchange, account, asset, free, total_balance_usd, timestamp, original_id)
      VALUES (${trader}, ${exchange}, ${account}, ${asset}, 1, ${equity}, to_timestamp(${at} / 1000.0), ${original})`);
  }
  await db.pool.query(sql.unsafe`
    INSERT INTO orders (client_order_id, trader_id, exchange, symbol, side, order_type, quantity, filled_quantity, status, created_at, updated_at) VALUES
      ('o1', 't', 'paper', 'BTC/USDT', 'BUY', 'MARKET', 0.5, 0.5, 'filled', to_timestamp(1), to_timestamp(1))`);
  await db.pool.query(sql.unsafe`
    INSERT INTO trades (exchange, trade_id, client_order_id, trader_id, symbol, side, price, quantity, fee, fee_currency, executed_at, original_id) VALUES
      ('paper', 'f2', 'o1', 't', 'BTC/USDT', 'SELL', 110, 0.5, 0.1, 'USDT', to_timestamp(3), NULL),
      ('paper', 'f1', 'o1', 't', 'BTC/USDT', 'BUY', 100, 0.5, 0.1, 'USDT', to_timestamp(1), NULL),
      ('binance', 'v2', NULL, 't', 'BTC/USDT', 'BUY', 1, 1, 0, NULL, to_timestamp(2), 'x')`);
});
afterAll(() => db.close());

describe('equityHistory', () => {
  test("answers the trader's own equity, one point per ledger change, with drawdowns from the peak before it", async () => {
    const points = await equityHistory(db.pool, 't', { limit: 100, initial: fx('1000') });
    expect(points.map((p) => [p.at, p.equity])).toEqual([
      [1_000, fx('1010')],
      [2_000, fx('990')],
      [3_000, fx('1100')],
      [4_000, fx('935')],
      [5_000, fx('1000')],
    ]);
    expect(points.map((p) => p.drawdown)).toEqual([0, expect.closeTo(20 / 1010, 15), 0, expect.closeTo(165 / 1100, 15), expect.closeTo(100 / 1100, 15)]);
    // A starting equity above every point is the peak.
    expect((await equityHistory(db.pool, 't', { limit: 100, initial: fx('2000') }))[0]!.drawdown).toBeCloseTo(990 / 2000, 15);
  });

  test("cuts the points into `limit` runs, each giving its last equity and deepest drawdown; a window keeps the earlier peaks", async () => {
    const runs = await equityHistory(db.pool, 't', { limit: 2, initial: fx('1000') });
    expect(runs.map((p) => [p.at, p.equity])).toEqual([
      [3_000, fx('1100')],
      [5_000, fx('1000')],
    ]);
    expect(runs.map((p) => p.drawdown)).toEqual([expect.closeTo(20 / 1010, 15), expect.closeTo(165 / 1100, 15)]);
    const window = await equityHistory(db.pool, 't', { limit: 100, from: 4_000, to: 5_000 });
    expect(window.map((p) => [p.at, p.drawdown])).toEqual([[4_000, expect.closeTo(165 / 1100, 15)]]);
    expect(await equityHistory(db.pool, 'nobody', { limit: 10 })).toEqual([]);
  });
});

describe('the performance reads', () => {
  test('bounds: the registration, the first and the latest equity', async () => {
    expect(await equityBounds(db.pool, 't')).toEqual({ start: 500, first: fx('1010'), last: fx('1000') });
    expect(await equityBounds(db.pool, 'nobody')).toBeUndefined();
  });

  test('steps: the last equity of each step that has one', async () => {
    expect(await equitySteps(db.pool, 't', 0, 2_000)).toEqual([
      { step: 0, equity: fx('1010') },
      { step: 1, equity: fx('1100') },
      { step: 2, equity: fx('1000') },
    ]);
    // Rows before the origin count in the first step.
    expect((await equitySteps(db.pool, 't', 2_500, 10_000)).map((s) => s.step)).toEqual([0]);
  });

  test("fills: the trader's own, oldest first", async () => {
    const fills = await traderFills(db.pool, 't');
    expect(fills.map((f) => [f.ts, f.side, f.price, f.quantity, f.fee, f.feeAsset, f.clientOrderId])).toEqual([
      [1_000, 'buy', fx('100'), fx('0.5'), fx('0.1'), 'USDT', 'o1'],
      [3_000, 'sell', fx('110'), fx('0.5'), fx('0.1'), 'USDT', 'o1'],
    ]);
  });
});

describe('findOrder', () => {
  test('answers one order as the orders list serves it; undefined for an unknown id', async () => {
    expect(await findOrder(db.pool, 'o1')).toMatchObject({ client_order_id: 'o1', trader_id: 't', quantity: '0.500000000', status: 'filled', created_at: 1_000, original_id: null });
    expect(await findOrder(db.pool, 'o2')).toBeUndefined();
  });
});
