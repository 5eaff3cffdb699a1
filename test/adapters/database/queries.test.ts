import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { latestBalances, list, recoverTrader } from '../../../adapters/database/queries.js';
import { writeBatch } from '../../../adapters/database/writer.js';
import { BatchBuilder } from '../../../actors/persistence/rows.js';
import type { TraderEvent } from '../../../actors/trader/events.js';
import { freshDatabase } from '../../helpers/database.js';
import { fillEvents, orderEvent } from '../../helpers/events.js';
import { fx } from '../../helpers/trading.js';

let db: Database;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  await db.pool.query(sql.unsafe`INSERT INTO traders (id, exchange, account, updated_at) VALUES ('t1', 'paper', 't1', to_timestamp(0)), ('t2', 'paper', 't2', to_timestamp(0))`);
  const builder = new BatchBuilder(() => 'paper');
  // 25 orders of t1 a second apart (every 5th still open, the others filled), 3 of t2.
  const t1: TraderEvent[] = [];
  for (let i = 0; i < 25; i++) {
    const at = 1_000 * (i + 1);
    t1.push(
      { kind: 'signal.accepted', signalId: `s${i}`, strategy: 'm', symbol: 'BTC/USDT', action: 'BUY', orderType: 'market', clientOrderId: `v3-${i}`, sized: { side: 'buy', quantity: fx('0.5'), review: false }, at },
      orderEvent({ clientOrderId: `v3-${i}`, signalId: `s${i}`, status: i % 5 === 0 ? 'open' : 'filled', filled: i % 5 === 0 ? 0n : fx('0.5'), createdAt: at, updatedAt: at }),
    );
  }
  t1.push(...fillEvents('T1', '0.5', '60000', 30_000, '0.5', 'v3-1'), { kind: 'mode', mode: 'halted', reason: 'daily loss', at: 31_000 });
  builder.addTraderEvents('t1', t1);
  builder.addTraderEvents('t2', [0, 1, 2].map((i) => orderEvent({ clientOrderId: `v3-b${i}`, traderId: 't2', symbol: 'ETH/USDT', side: 'sell', createdAt: 500 + i, updatedAt: 500 + i })));
  await writeBatch(db.pool, builder.take());
});
afterAll(() => db.close());

describe('list', () => {
  test('pages through orders newest first without repeating or skipping a row', async () => {
    const seen: string[] = [];
    let before: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await list(db.pool, 'orders', { traderId: 't1', limit: 10, ...(before ? { before } : {}) });
      sizes.push(page.rows.length);
      seen.push(...page.rows.map((r) => r.client_order_id as string));
      before = page.next;
    } while (before);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `v3-${24 - i}`));
  });

  test('filters by status, symbol, side and time', async () => {
    const open = await list(db.pool, 'orders', { traderId: 't1', status: 'open' });
    expect(open.rows.map((r) => r.client_order_id)).toEqual(['v3-20', 'v3-15', 'v3-10', 'v3-5', 'v3-0']);
    expect((await list(db.pool, 'orders', { symbol: 'ETH/USDT', side: 'SELL' })).rows).toHaveLength(3);
    const window = await list(db.pool, 'orders', { traderId: 't1', from: 3_000, to: '1970-01-01T00:00:06Z' });
    expect(window.rows.map((r) => r.client_order_id)).toEqual(['v3-4', 'v3-3', 'v3-2']);
    expect(window.next).toBeUndefined();
  });

  test('serves trades, positions, latest balances and signal history', async () => {
    expect((await list(db.pool, 'trades', { traderId: 't1' })).rows).toEqual([expect.objectContaining({ trade_id: 'T1', quantity: '0.500000000', price: '60000.000000000' })]);
    expect((await list(db.pool, 'positions', { open: true })).rows).toEqual([expect.objectContaining({ trader_id: 't1', symbol: 'BTC/USDT', quantity: '0.500000000' })]);
    expect((await list(db.pool, 'balances', { traderId: 't1' })).rows.map((r) => [r.asset, r.free])).toEqual([['BTC', '0.5000000000'], ['USDT', '9000.5000000000']]);
    const signals = await list(db.pool, 'signals', { traderId: 't1', outcome: 'accepted', limit: 2 });
    expect(signals.rows.map((r) => r.id)).toEqual(['s24', 's23']);
    expect(signals.next).toBe('24000:s23');
  });

  test('a bad filter is refused with the field named', async () => {
    await expect(list(db.pool, 'orders', { status: 'done' })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ['status'] })] });
    await expect(list(db.pool, 'trades', { limit: 5_000 })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ['limit'] })] });
    await expect(list(db.pool, 'signals', { traderid: 't1' })).rejects.toMatchObject({ issues: [expect.objectContaining({ keys: ['traderid'] })] });
  });
});

describe('recoverTrader', () => {
  test('gives back open orders, positions, latest balances, signal ids oldest first and the mode', async () => {
    const state = await recoverTrader(db.pool, 't1', 3);
    expect(state.orders.map((o) => [o.clientOrderId, o.status, o.side, o.type, o.price])).toEqual(
      [0, 5, 10, 15, 20].map((i) => [`v3-${i}`, 'open', 'buy', 'limit', fx('60000.1')]),
    );
    expect(state.positions).toEqual([{ symbol: 'BTC/USDT', quantity: fx('0.5'), avgEntry: fx('60000'), realizedPnl: fx('-0.01'), fees: fx('0.01'), openedAt: 1_000 }]);
    expect(state.balances).toEqual({ BTC: fx('0.5'), USDT: fx('9000.5') });
    expect(state.signalIds).toEqual(['s22', 's23', 's24']);
    expect([state.mode, state.modeReason]).toEqual(['halted', 'daily loss']);
  });

  test('a trader with nothing stored starts from its config', async () => {
    expect(await recoverTrader(db.pool, 'nobody', 10)).toEqual({ positions: [], orders: [], balances: undefined, signalIds: [], mode: 'active', modeReason: '' });
  });

  test('latestBalances lists each trader’s newest balance per asset', async () => {
    expect(await latestBalances(db.pool)).toEqual({ t1: { BTC: '0.5000000000', USDT: '9000.5000000000' } });
  });
});
