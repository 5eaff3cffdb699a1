import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { claimLease, writeBatch } from '../../../adapters/database/writer.js';
import { BatchBuilder, type RowBatch } from '../../../actors/persistence/rows.js';
import type { TraderEvent } from '../../../actors/trader/events.js';
import { freshDatabase } from '../../helpers/database.js';
import { fillEvents, orderEvent } from '../../helpers/events.js';
import { waitFor } from '../../helpers/wait.js';

let db: Database;
beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  await db.pool.query(sql.unsafe`INSERT INTO traders (id, exchange, account, updated_at) VALUES ('t1', 'binance', 't1', to_timestamp(0))`);
});
afterAll(() => db.close());

const batchOf = (events: TraderEvent[], generation?: number): RowBatch => {
  const builder = new BatchBuilder(() => 'binance');
  builder.addTraderEvents('t1', events, generation);
  return builder.take();
};

const table = async (query: ReturnType<typeof sql.unsafe>) => db.pool.any(query);

describe('writeBatch', () => {
  test('writes orders, trades, positions, balances and signals exactly, and a second write changes nothing', async () => {
    const batch = batchOf([
      { kind: 'signal.accepted', signalId: 's1', strategy: 'manual', symbol: 'BTC/USDT', action: 'BUY', orderType: 'market', clientOrderId: 'v3-a', sized: { side: 'buy', quantity: 500_000_000n, review: false }, at: 1_000 },
      ...fillEvents('T1', '0.5', '60000.123456789', 2_000, '0.5'),
      orderEvent({ status: 'filled', filled: 500_000_000n, filledNotional: 30_000_061_728_394_500n, fees: 10_000_000n, exchangeOrderId: 'X1', updatedAt: 2_000 }),
      { kind: 'mode', mode: 'reduce-only', reason: 'exposure', at: 2_500 },
    ]);
    const snapshot = async () => ({
      orders: await table(sql.unsafe`SELECT client_order_id, status, filled_quantity, filled_notional, fees, exchange_order_id, created_at, updated_at FROM orders`),
      trades: await table(sql.unsafe`SELECT trade_id, price, quantity, fee, executed_at FROM trades`),
      positions: await table(sql.unsafe`SELECT symbol, quantity, avg_entry_price FROM positions`),
      balances: await table(sql.unsafe`SELECT asset, free, total_balance_usd, timestamp FROM balances ORDER BY asset`),
      signals: await table(sql.unsafe`SELECT id, outcome, client_order_id FROM signals`),
      trader: await table(sql.unsafe`SELECT mode, mode_reason FROM traders`),
    });
    await writeBatch(db.pool, batch);
    const first = await snapshot();
    expect(first).toEqual({
      orders: [{ client_order_id: 'v3-a', status: 'filled', filled_quantity: '0.500000000', filled_notional: '30000061.728394500', fees: '0.010000000', exchange_order_id: 'X1', created_at: 1_000, updated_at: 2_000 }],
      trades: [{ trade_id: 'T1', price: '60000.123456789', quantity: '0.500000000', fee: '0.010000000', executed_at: 2_000 }],
      positions: [{ symbol: 'BTC/USDT', quantity: '0.500000000', avg_entry_price: '60000.123456789' }],
      balances: [
        { asset: 'BTC', free: '0.5000000000', total_balance_usd: '10000.250000000', timestamp: 2_000 },
        { asset: 'USDT', free: '9000.5000000000', total_balance_usd: '10000.250000000', timestamp: 2_000 },
      ],
      signals: [{ id: 's1', outcome: 'accepted', client_order_id: 'v3-a' }],
      trader: [{ mode: 'reduce-only', mode_reason: 'exposure' }],
    });
    await writeBatch(db.pool, batch);
    expect(await snapshot()).toEqual(first);
  });

  test('text of any shape arrives as it was sent', async () => {
    const awkward = 'he said "no", {x} \\ NULL \' é';
    await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-text', reason: awkward }), { kind: 'execution.invalid', reason: awkward, at: 9 }]));
    expect(await db.pool.oneFirst(sql.unsafe`SELECT reason FROM orders WHERE client_order_id = 'v3-text'`)).toBe(awkward);
    expect(await db.pool.oneFirst(sql.unsafe`SELECT payload->>'reason' FROM events WHERE kind = 'execution.invalid'`)).toBe(awkward);
    await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'NULL', reason: 'NULL' })]));
    expect(await db.pool.oneFirst(sql.unsafe`SELECT reason FROM orders WHERE client_order_id = 'NULL'`)).toBe('NULL');
  });

  test('an older state arriving late never overwrites a newer one', async () => {
    await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-late', status: 'open', updatedAt: 1_000 })]));
    await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-late', status: 'cancelled', updatedAt: 3_000 })]));
    await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-late', status: 'open', updatedAt: 2_000 })]));
    expect(await db.pool.oneFirst(sql.unsafe`SELECT status FROM orders WHERE client_order_id = 'v3-late'`)).toBe('cancelled');
  });

  test('a rejected signal id is taken over by a later accepted one; a duplicate changes nothing', async () => {
    await writeBatch(db.pool, batchOf([{ kind: 'signal.rejected', signalId: 's9', field: 'quantity', reason: 'must be positive', at: 1 }]));
    expect(await db.pool.one(sql.unsafe`SELECT outcome, field FROM signals WHERE id = 's9'`)).toEqual({ outcome: 'rejected', field: 'quantity' });
    await writeBatch(db.pool, batchOf([{ kind: 'signal.accepted', signalId: 's9', strategy: 'm', symbol: 'BTC/USDT', action: 'SELL', orderType: 'market', clientOrderId: 'v3-s9', sized: { side: 'sell', quantity: 1n, review: false }, at: 2 }]));
    await writeBatch(db.pool, batchOf([{ kind: 'signal.duplicate', signalId: 's9', at: 3 }]));
    expect(await db.pool.one(sql.unsafe`SELECT outcome, action, field FROM signals WHERE id = 's9'`)).toEqual({ outcome: 'accepted', action: 'SELL', field: null });
  });

  test.each([
    ['one process', undefined],
    ['a cluster node', 1],
  ])('a batch is stored whole or not at all (%s): a trade of an order stored nowhere fails it, and none of its rows lands', async (_, generation) => {
    const id = `v3-whole-${generation ?? 0}`;
    const batch = batchOf([orderEvent({ clientOrderId: id, status: 'open' }), ...fillEvents(`T-${id}`, '0.1', '100', 5_000, '0.1', `${id}-nowhere`)], generation);
    await expect(writeBatch(db.pool, batch)).rejects.toThrow(/foreign key/);
    expect(await db.pool.oneFirst(sql.unsafe`SELECT count(*)::int FROM orders WHERE client_order_id = ${id}`)).toBe(0);
    expect(await db.pool.oneFirst(sql.unsafe`SELECT count(*)::int FROM balances WHERE timestamp = to_timestamp(5)`)).toBe(0);
  });

  describe('on a cluster node', () => {
    const statusOf = (clientOrderId: string) => db.pool.maybeOneFirst(sql.unsafe`SELECT status FROM orders WHERE client_order_id = ${clientOrderId}`);

    test('drops the rows a trader made under an older lease generation than claimed since, and writes the others', async () => {
      await claimLease(db.pool, 't1', 5);
      expect(await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-g4', status: 'open' })], 4))).toEqual(['t1']);
      expect(await statusOf('v3-g4')).toBeNull();
      expect(await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-g5', status: 'open' })], 5))).toEqual([]);
      expect(await statusOf('v3-g5')).toBe('open');
      // Not made by a trader of a cluster (one process, or the risk manager's): written.
      expect(await writeBatch(db.pool, batchOf([orderEvent({ clientOrderId: 'v3-one', status: 'open' })]))).toEqual([]);
      expect(await statusOf('v3-one')).toBe('open');
    });

    test('a claim never goes back to an older generation', async () => {
      await claimLease(db.pool, 't1', 8);
      await claimLease(db.pool, 't1', 7);
      expect(await db.pool.oneFirst(sql.unsafe`SELECT generation::int FROM trader_leases WHERE trader_id = 't1'`)).toBe(8);
    });

    // Two connections at once: the embedded database serves one.
    test.skipIf(!process.env.TEST_DATABASE_URL)('a claim waits for a write under way that holds the trader’s lease row, which so lands before the new owner reads', async () => {
      let locked!: () => void;
      let finish!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const write = db.pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`SELECT generation FROM trader_leases WHERE trader_id = 't1' FOR SHARE`);
        locked();
        await finished;
      });
      await holding;
      let claimed = false;
      const claim = claimLease(db.pool, 't1', 9).then(() => (claimed = true));
      await waitFor(() => db.pool.oneFirst(sql.unsafe`SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%trader_leases%'`), 'the claim waiting on the lock');
      expect(claimed).toBe(false);
      finish();
      await Promise.all([write, claim]);
      expect(await db.pool.oneFirst(sql.unsafe`SELECT generation::int FROM trader_leases WHERE trader_id = 't1'`)).toBe(9);
    });
  });
});
