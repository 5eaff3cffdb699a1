import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { fixedToString, toFixed, type Fixed } from '../../actors/trading/fixed.js';
import type { BacktestFill } from '../backtest/kernel.js';
import { OWN_BALANCE_ROWS } from './queries.js';

/*
 * A trader's equity as the database keeps it: every ledger change (a fill, a funding payment, the
 * opening of a real account's ledger) stores the balance of each asset it moved, each row with the
 * trader's equity at that moment (`balances.total_balance_usd`, its holdings at the marks then). The
 * rows of one change share its time, so the history is one equity per stored time. Only the trader's
 * own rows count (`OWN_BALANCE_ROWS`), never v2's.
 */

/** A point of an equity history: the equity, and how far it is below the highest equity before it. */
export interface EquityPoint {
  at: number;
  equity: Fixed;
  /** A fraction of that peak (0.05: 5 % below it); the starting equity counts as a peak. */
  drawdown: number;
}

/** The rows (`b`) of trader `traderId`'s own balances that carry its equity, before `to` when given. */
const equityRows = (traderId: string, to?: number) => sql.fragment`
  ${OWN_BALANCE_ROWS} AND b.trader_id = ${traderId} AND b.total_balance_usd IS NOT NULL
  ${to === undefined ? sql.fragment`` : sql.fragment`AND b.timestamp < to_timestamp(${to} / 1000.0)`}`;

/** The equity stored at each time, one row per time (the rows of one ledger change share it), oldest first. */
const points = (traderId: string, to?: number) => sql.fragment`
  SELECT DISTINCT ON (b.timestamp) b.timestamp AS at, b.total_balance_usd AS equity FROM ${equityRows(traderId, to)}
  ORDER BY b.timestamp, b.asset`;

const pointRow = z.object({ at: z.number(), equity: z.string(), drawdown: z.number() });

/**
 * Trader `traderId`'s equity history in [`from`, `to`), oldest first, in at most `limit` points: the
 * stored points are cut into `limit` runs of as many points each, and each run gives its last equity
 * and its deepest drawdown, so a fall is never smoothed away. Drawdowns are measured from the highest
 * equity since the start (`initial` included when given), before `from` too.
 */
export async function equityHistory(
  pool: DatabasePool,
  traderId: string,
  options: { from?: number | undefined; to?: number | undefined; limit: number; initial?: Fixed | undefined },
): Promise<EquityPoint[]> {
  const from = options.from === undefined ? sql.fragment`true` : sql.fragment`at >= to_timestamp(${options.from} / 1000.0)`;
  const initial = options.initial === undefined ? null : fixedToString(options.initial);
  const rows = await pool.any(sql.type(pointRow)`
    WITH points AS (${points(traderId, options.to)}),
    peaked AS (SELECT at, equity, greatest(max(equity) OVER (ORDER BY at), ${initial}::numeric) AS peak FROM points),
    ranged AS (
      SELECT at, equity, CASE WHEN peak > 0 THEN ((peak - equity) / peak)::float8 ELSE 0 END AS drawdown, ntile(${options.limit}) OVER (ORDER BY at) AS run
      FROM peaked WHERE ${from}
    )
    SELECT at, equity, drawdown FROM (
      SELECT DISTINCT ON (run) at, equity, max(drawdown) OVER (PARTITION BY run) AS drawdown FROM ranged ORDER BY run, at DESC
    ) runs ORDER BY at`);
  return rows.map((r) => ({ at: r.at, equity: toFixed(r.equity, 'balances.total_balance_usd'), drawdown: r.drawdown }));
}

/** What is stored of a trader's equity: when it was registered (its start), its first and its latest equity. */
export interface EquityBounds {
  start: number;
  first?: Fixed;
  last?: Fixed;
}

/** The bounds of trader `traderId`'s stored equity; undefined for a trader never registered. */
export async function equityBounds(pool: DatabasePool, traderId: string): Promise<EquityBounds | undefined> {
  const row = await pool.maybeOne(sql.type(z.object({ start: z.number(), first: z.string().nullable(), last: z.string().nullable() }))`
    SELECT created_at AS start,
      (SELECT b.total_balance_usd FROM ${equityRows(traderId)} ORDER BY b.timestamp, b.asset LIMIT 1) AS first,
      (SELECT b.total_balance_usd FROM ${equityRows(traderId)} ORDER BY b.timestamp DESC, b.asset LIMIT 1) AS last
    FROM traders WHERE id = ${traderId}`);
  if (!row) return undefined;
  const bounds: EquityBounds = { start: row.start };
  if (row.first !== null) bounds.first = toFixed(row.first, 'balances.total_balance_usd');
  if (row.last !== null) bounds.last = toFixed(row.last, 'balances.total_balance_usd');
  return bounds;
}

/**
 * The last equity stored in each step of `stepMs` from `origin` that has one, by step index (step k
 * covers [origin + k stepMs, origin + (k + 1) stepMs)); a row older than `origin` counts in step 0.
 */
export async function equitySteps(pool: DatabasePool, traderId: string, origin: number, stepMs: number): Promise<{ step: number; equity: Fixed }[]> {
  const rows = await pool.any(sql.type(z.object({ step: z.number(), equity: z.string() }))`
    SELECT DISTINCT ON (step) greatest(0, floor((extract(epoch FROM at) * 1000 - ${origin}) / ${stepMs}))::int4 AS step, equity
    FROM (${points(traderId)}) p ORDER BY step, at DESC`);
  return rows.map((r) => ({ step: r.step, equity: toFixed(r.equity, 'balances.total_balance_usd') }));
}

const fillRow = z.object({
  executed_at: z.number(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  price: z.string(),
  quantity: z.string(),
  fee: z.string(),
  fee_currency: z.string().nullable(),
  client_order_id: z.string().nullable(),
});

/** Every fill of trader `traderId` on the exchange it is registered on, oldest first; v2's trades are not its own. */
export async function traderFills(pool: DatabasePool, traderId: string): Promise<BacktestFill[]> {
  const rows = await pool.any(sql.type(fillRow)`
    SELECT f.executed_at, f.symbol, f.side, f.price, f.quantity, f.fee, f.fee_currency, f.client_order_id
    FROM trades f JOIN traders t ON t.id = f.trader_id AND t.exchange = f.exchange
    WHERE f.trader_id = ${traderId} AND f.original_id IS NULL ORDER BY f.executed_at, f.trade_id`);
  return rows.map((r) => ({
    traderId,
    ts: r.executed_at,
    symbol: r.symbol,
    side: r.side === 'BUY' ? 'buy' : 'sell',
    price: toFixed(r.price, 'trades.price'),
    quantity: toFixed(r.quantity, 'trades.quantity'),
    fee: toFixed(r.fee, 'trades.fee'),
    feeAsset: r.fee_currency ?? '',
    clientOrderId: r.client_order_id ?? '',
  }));
}
