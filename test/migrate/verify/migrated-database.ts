import { sql } from 'slonik';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';

export type RunStatus = 'running' | 'done' | 'failed' | 'rolled_back';

/**
 * A fresh v3 database (schema applied) that looks migrated from v2: the migration runs of `runs`, in
 * order (none: no run at all), two orders, a trade, a balance, a signal and two position history rows
 * from v2 (`original_id` set), one order and one position of v3's own, and one row in quarantine.
 * The pool used to fill it is closed again (the embedded PGlite serves one client at a time).
 */
export async function migratedDatabase(runs: RunStatus[] = ['done']): Promise<TestDatabaseServer> {
  const server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  try {
    await migrate(db.pool);
    const at = sql.unsafe`'2025-11-20T10:00:00Z'::timestamptz`;
    for (const status of runs) {
      await db.pool.query(sql.unsafe`
        INSERT INTO migration_runs (source, status, error, finished_at)
        VALUES ('postgres://v2@127.0.0.1:5432/trading', ${status}, ${status === 'failed' ? 'orders: copy broke off' : null}, ${status === 'running' ? null : sql.unsafe`now()`})`);
    }
    await db.pool.query(sql.unsafe`
      INSERT INTO orders (client_order_id, trader_id, exchange, symbol, side, order_type, quantity, status, created_at, updated_at, original_id)
      VALUES ('v2-101', 'legacy', 'binance', 'BTC/USDT', 'BUY', 'MARKET', 0.01, 'filled', ${at}, ${at}, 101),
             ('v2-102', 'legacy', 'binance', 'BTC/USDT', 'SELL', 'LIMIT', 0.01, 'cancelled', ${at}, ${at}, 102),
             ('v3-own-1', 'alpha', 'paper', 'BTC/USDT', 'BUY', 'MARKET', 0.02, 'filled', ${at}, ${at}, NULL)`);
    await db.pool.query(sql.unsafe`
      INSERT INTO trades (exchange, trade_id, client_order_id, trader_id, symbol, side, price, quantity, executed_at, original_id)
      VALUES ('binance', 't-9001', 'v2-101', 'legacy', 'BTC/USDT', 'BUY', 95000, 0.01, ${at}, 't-9001')`);
    await db.pool.query(sql.unsafe`
      INSERT INTO balances (trader_id, asset, free, locked, timestamp, exchange, original_id)
      VALUES ('legacy', 'USDT', 1000.0000000001, 0, ${at}, 'binance', 7)`);
    await db.pool.query(sql.unsafe`
      INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, updated_at)
      VALUES ('alpha', 'BTC/USDT', 0.02, 95000, ${at})`);
    await db.pool.query(sql.unsafe`
      INSERT INTO position_history (trader_id, exchange, symbol, side, quantity, entry_price, opened_at, closed_at, original_id)
      VALUES ('legacy', 'binance', 'BTC/USDT', 'long', 0.01, 94000, ${at}, ${at}, 31),
             ('legacy', 'binance', 'ETH/USDT', 'short', 0.5, 3100, ${at}, NULL, 32)`);
    await db.pool.query(sql.unsafe`
      INSERT INTO signals (trader_id, id, strategy, symbol, action, outcome, received_at, original_id)
      VALUES ('legacy', 'v2-sig-55', 'sma', 'BTC/USDT', 'BUY', 'accepted', ${at}, 55)`);
    if (runs.length > 0) {
      await db.pool.query(sql.unsafe`
        INSERT INTO migration_quarantine (run_id, table_name, original_id, field, reason, row)
        VALUES (1, 'orders', '103', 'quantity', 'must be positive', '{"id": 103, "quantity": "-1"}'::jsonb)`);
    }
  } catch (error) {
    await db.close();
    await server.close();
    throw error;
  }
  await db.close();
  return server;
}
