import type pg from 'pg';
import { fixedToString, toFixed } from '../../actors/trading/fixed.js';
import { applyFillToPosition, emptyPosition, type Position } from '../../actors/trading/position.js';
import { swapSymbol } from '../../actors/trading/symbol.js';

/** The trader that carries v2's open positions on `exchange`: v2 had no traders, and a v3 trader has one exchange. */
export const carrierId = (exchange: string) => `v2-${exchange}`;

/** A trader carrying v2's open positions, and the perpetuals they are in. */
export interface Carrier {
  traderId: string;
  exchange: string;
  symbols: string[];
}

export interface CarryOutcome {
  /** v2 rows carried by this run. */
  rows: number;
  /** Every carrier with its symbols, this run's and earlier runs' alike. */
  carriers: Carrier[];
}

interface OpenRow {
  original_id: string;
  exchange: string;
  symbol: string;
  side: 'long' | 'short';
  quantity: string;
  entry_price: string;
  realized_pnl: string | null;
  opened_at: number;
}

const OPEN_ROWS = `
  SELECT h.original_id::text, h.exchange, h.symbol, h.side, h.quantity::text, h.entry_price::text, h.realized_pnl::text,
         (extract(epoch FROM h.opened_at) * 1000)::float8 AS opened_at
  FROM position_history h`;

/**
 * Makes v2's open positions (`closed_at` NULL, already in `position_history`) open v3 positions: each
 * of the trader `v2-<exchange>`, on the linear perpetual of its symbol (v2 held longs and shorts: a
 * derivatives account). A v3 trader holds one position per symbol (one-way mode), so the v2 rows of one
 * exchange and symbol are netted in the order they opened, by the trader's own rule
 * (`applyFillToPosition`): the quantities add up signed, and a row against the position realizes at
 * its entry. Each v2 row is carried once (`migration_carried`, keyed by its v2 id), in the run's
 * transaction: a later run carries only rows not carried before, into the positions as they stand.
 */
export async function carryOpenPositions(client: pg.Client, runId: number): Promise<CarryOutcome> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<OpenRow>(
      `${OPEN_ROWS}
       WHERE h.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM migration_carried c WHERE c.original_id = h.original_id)
       ORDER BY h.opened_at, h.original_id`,
    );
    const groups = groupByPosition(rows);
    for (const [key, group] of groups) {
      const [traderId, symbol] = key.split('\u0000') as [string, string];
      const position = (await storedPosition(client, traderId, symbol)) ?? emptyPosition(symbol);
      await writePosition(client, traderId, group, fold(position, group));
      await client.query(
        `INSERT INTO migration_carried (original_id, run_id, trader_id, symbol) SELECT unnest($1::bigint[]), $2, $3, $4`,
        [group.map((r) => r.original_id), runId, traderId, symbol],
      );
    }
    await client.query('COMMIT');
    return { rows: rows.length, carriers: await carriers(client) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Takes back what run `runId` carried (inside the caller's transaction): its `migration_carried` rows
 * go, and each position they went into is folded again from the rows earlier runs carried, or removed.
 */
export async function uncarryOpenPositions(client: pg.Client, runId: number): Promise<number> {
  const { rows: touched } = await client.query<{ trader_id: string; symbol: string }>(
    `DELETE FROM migration_carried WHERE run_id = $1 RETURNING trader_id, symbol`,
    [runId],
  );
  const keys = new Set(touched.map((t) => `${t.trader_id}\u0000${t.symbol}`));
  for (const key of keys) {
    const [traderId, symbol] = key.split('\u0000') as [string, string];
    await client.query('DELETE FROM positions WHERE trader_id = $1 AND symbol = $2', [traderId, symbol]);
    const { rows } = await client.query<OpenRow>(
      `${OPEN_ROWS} JOIN migration_carried c ON c.original_id = h.original_id
       WHERE c.trader_id = $1 AND c.symbol = $2 ORDER BY h.opened_at, h.original_id`,
      [traderId, symbol],
    );
    if (rows.length > 0) await writePosition(client, traderId, rows, fold(emptyPosition(symbol), rows));
  }
  return touched.length;
}

/** The carriers in the target, with the symbols of the positions they carry. */
export async function carriers(client: pg.Client): Promise<Carrier[]> {
  const { rows } = await client.query<{ trader_id: string; exchange: string; symbols: string[] }>(
    `SELECT c.trader_id, t.exchange, array_agg(DISTINCT c.symbol ORDER BY c.symbol) AS symbols
     FROM migration_carried c JOIN traders t ON t.id = c.trader_id GROUP BY c.trader_id, t.exchange ORDER BY c.trader_id`,
  );
  return rows.map((r) => ({ traderId: r.trader_id, exchange: r.exchange, symbols: r.symbols }));
}

function groupByPosition(rows: readonly OpenRow[]): Map<string, OpenRow[]> {
  const groups = new Map<string, OpenRow[]>();
  for (const row of rows) {
    const key = `${carrierId(row.exchange)}\u0000${swapSymbol(row.symbol)}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** `position` with v2's rows applied in order, as fills at their entry, their realized P&L added. */
function fold(position: Position, rows: readonly OpenRow[]): Position {
  for (const row of rows) {
    applyFillToPosition(position, row.side === 'long' ? 'buy' : 'sell', toFixed(row.quantity, 'quantity'), toFixed(row.entry_price, 'entry_price'), 0n, row.opened_at);
    if (row.realized_pnl !== null) position.realizedPnl += toFixed(row.realized_pnl, 'realized_pnl');
  }
  return position;
}

async function storedPosition(client: pg.Client, traderId: string, symbol: string): Promise<Position | undefined> {
  const { rows } = await client.query<{ quantity: string; avg_entry_price: string; realized_pnl: string; fees: string; funding: string; opened_at: number | null }>(
    `SELECT quantity::text, avg_entry_price::text, realized_pnl::text, fees::text, funding::text, (extract(epoch FROM opened_at) * 1000)::float8 AS opened_at
     FROM positions WHERE trader_id = $1 AND symbol = $2`,
    [traderId, symbol],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    symbol,
    quantity: toFixed(row.quantity, 'quantity'),
    avgEntry: toFixed(row.avg_entry_price, 'avg_entry_price'),
    realizedPnl: toFixed(row.realized_pnl, 'realized_pnl'),
    fees: toFixed(row.fees, 'fees'),
    funding: toFixed(row.funding, 'funding'),
    openedAt: row.opened_at ?? 0,
  };
}

/**
 * The carrier's `traders` row (active: it manages what it carries from its first start) and the
 * position's row, as of the last of `rows` to open: the trader's own later rows are newer.
 */
async function writePosition(client: pg.Client, traderId: string, rows: readonly OpenRow[], position: Position): Promise<void> {
  const exchange = rows[0]!.exchange;
  await client.query(
    `INSERT INTO traders (id, exchange, account, mode, mode_reason) VALUES ($1, $2, 'default', 'active', 'carries the positions v2 left open on ' || $2)
     ON CONFLICT (id) DO NOTHING`,
    [traderId, exchange],
  );
  await client.query(
    `INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, realized_pnl, fees, funding, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0))
     ON CONFLICT (trader_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, avg_entry_price = EXCLUDED.avg_entry_price,
       realized_pnl = EXCLUDED.realized_pnl, opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at`,
    [traderId, position.symbol, ...[position.quantity, position.avgEntry, position.realizedPnl, position.fees, position.funding ?? 0n].map(fixedToString), position.openedAt, rows.at(-1)!.opened_at],
  );
}
