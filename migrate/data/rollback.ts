import type { Connection } from '../connect.js';
import { MigrationError } from '../errors.js';
import { uncarryOpenPositions } from './open-positions.js';
import { DEFAULT_TRADER, TABLE_SPECS } from './tables.js';

export interface RollbackOutcome {
  /** The runs rolled back, newest first. */
  runs: number[];
  /** Rows removed per v3 table. */
  removed: Record<string, number>;
  /** Whether `default_trader` went too (a run created it and nothing else uses it). */
  removedTrader: boolean;
}

const TABLES_WITH_TRADER = ['orders', 'trades', 'signals', 'balances', 'positions', 'position_history', 'reviews', 'events'];

/**
 * Removes what migration runs wrote: `run` and every later run (a later run resumed after it, so it
 * cannot stay alone), or every run. A run's rows are found by the key ranges of its chunks, so v3's
 * own rows, which have no `original_id`, are never touched. One transaction per run, newest first.
 */
export async function rollbackMigration(target: Connection, options: { run?: number } = {}): Promise<RollbackOutcome> {
  const { client } = target;
  const { rows: runs } = await client.query<{ id: number; created_trader: boolean }>(
    `SELECT id, created_trader FROM migration_runs WHERE status <> 'rolled_back' AND id >= $1 ORDER BY id DESC`,
    [options.run ?? 0],
  );
  if (options.run !== undefined && !runs.some((r) => r.id === options.run)) {
    throw new MigrationError('ERR_ROLLBACK', `there is no migration run ${options.run} to roll back in ${target.where} (see botv3 migrate validate for the runs)`);
  }
  const outcome: RollbackOutcome = { runs: [], removed: {}, removedTrader: false };
  for (const run of runs) {
    await client.query('BEGIN');
    try {
      // The open positions first: what earlier runs carried is folded again from their rows.
      outcome.removed.migration_carried = (outcome.removed.migration_carried ?? 0) + (await uncarryOpenPositions(client, run.id));
      // Trades go before the orders they reference.
      for (const spec of [...TABLE_SPECS].reverse()) {
        const key = spec.key.type === 'text' ? 't.original_id COLLATE "C"' : 't.original_id';
        const bound = (column: string) => (spec.key.type === 'text' ? `c.${column} COLLATE "C"` : `c.${column}::bigint`);
        const removed = await client.query(
          `DELETE FROM ${spec.target} t USING migration_chunks c
           WHERE c.run_id = $1 AND c.table_name = $2 AND t.original_id IS NOT NULL
             AND (c.from_key IS NULL OR ${key} > ${bound('from_key')}) AND ${key} <= ${bound('to_key')}`,
          [run.id, spec.table],
        );
        outcome.removed[spec.target] = (outcome.removed[spec.target] ?? 0) + (removed.rowCount ?? 0);
      }
      for (const table of ['migration_quarantine', 'migration_notes', 'migration_chunks']) await client.query(`DELETE FROM ${table} WHERE run_id = $1`, [run.id]);
      await client.query(`UPDATE migration_runs SET status = 'rolled_back', finished_at = clock_timestamp() WHERE id = $1`, [run.id]);
      if (run.created_trader) outcome.removedTrader = await removeTraderIfUnused(target);
      await removeIdleCarriers(target);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    outcome.runs.push(run.id);
  }
  return outcome;
}

/** Deletes the carriers of v2's open positions (`v2-<exchange>`) that no row of v3 names any more. */
async function removeIdleCarriers(target: Connection): Promise<void> {
  const uses = TABLES_WITH_TRADER.map((table) => `EXISTS (SELECT 1 FROM ${table} x WHERE x.trader_id = traders.id)`).join(' OR ');
  await target.client.query(`DELETE FROM traders WHERE id LIKE 'v2-%' AND NOT EXISTS (SELECT 1 FROM migration_carried c WHERE c.trader_id = traders.id) AND NOT (${uses})`);
}

/** Deletes `default_trader` when no run is left and no row of v3 names it. */
async function removeTraderIfUnused(target: Connection): Promise<boolean> {
  const uses = TABLES_WITH_TRADER.map((table) => `EXISTS (SELECT 1 FROM ${table} WHERE trader_id = $1)`).join(' OR ');
  const { rowCount } = await target.client.query(
    `DELETE FROM traders WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM migration_runs WHERE status <> 'rolled_back') AND NOT (${uses})`,
    [DEFAULT_TRADER],
  );
  return rowCount === 1;
}
