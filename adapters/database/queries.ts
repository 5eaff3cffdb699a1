import { sql, type DatabasePool, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { toFixed } from '../../actors/trading/fixed.js';
import type { Order, OrderStatus } from '../../actors/trading/order.js';
import type { Position } from '../../actors/trading/position.js';
import type { RecoveredTrader } from '../../actors/trader/recovery.js';
import type { TraderMode } from '../../actors/risk/limits.js';

/**
 * The reads the platform needs: what a restarted trader recovers, and the lists the API serves.
 * Lists are newest first with keyset pagination: `next` is an opaque cursor to pass as `before`,
 * stable while rows are added (an offset would skip or repeat rows under a busy trader).
 * Amounts come back as exact decimal text, times as epoch ms.
 */

/** Epoch ms (a number, or digits from a query string) or an ISO 8601 time with its offset. */
const time = z.union(
  [z.number().int().nonnegative(), z.string().regex(/^\d{1,15}$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))],
  { error: 'must be epoch milliseconds or an ISO 8601 time with offset' },
);
const page = {
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  before: z.string().regex(/^\d+:.+$/, 'use the `next` cursor of the previous page').optional(),
  from: time.optional(),
  to: time.optional(),
};

export const listSchemas = {
  orders: z.strictObject({
    traderId: z.string().optional(),
    symbol: z.string().optional(),
    status: z.enum(['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired']).optional(),
    side: z.enum(['BUY', 'SELL']).optional(),
    ...page,
  }),
  trades: z.strictObject({ traderId: z.string().optional(), symbol: z.string().optional(), side: z.enum(['BUY', 'SELL']).optional(), ...page }),
  signals: z.strictObject({
    traderId: z.string().optional(),
    symbol: z.string().optional(),
    outcome: z.enum(['accepted', 'skipped', 'rejected', 'duplicate']).optional(),
    ...page,
  }),
  positions: z.strictObject({
    traderId: z.string().optional(),
    symbol: z.string().optional(),
    open: z.union([z.boolean(), z.stringbool()]).optional(),
    from: time.optional(),
    to: time.optional(),
  }),
  balances: z.strictObject({ traderId: z.string().optional() }),
  /** Review decisions with each AI verdict and the order's outcome (the `review_decisions` view). */
  reviews: z.strictObject({
    traderId: z.string().optional(),
    decidedBy: z.enum(['ai', 'human', 'policy', 'expiry']).optional(),
    approved: z.union([z.boolean(), z.stringbool()]).optional(),
    ...page,
  }),
};

export type ListName = keyof typeof listSchemas;
export type ListFilter<N extends ListName> = z.input<(typeof listSchemas)[N]>;
export type Row = Record<string, unknown>;
export interface Page {
  rows: Row[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

const PAGED = {
  orders: { table: 'orders', time: 'created_at', key: 'client_order_id' },
  trades: { table: 'trades', time: 'executed_at', key: 'trade_id' },
  signals: { table: 'signals', time: 'received_at', key: 'id' },
  reviews: { table: 'review_decisions', time: 'reviewed_at', key: 'client_order_id' },
} as const;

const COLUMN_OF: Record<string, string> = { traderId: 'trader_id', symbol: 'symbol', status: 'status', side: 'side', outcome: 'outcome', decidedBy: 'decided_by', approved: 'approved' };

/** Runs list `name` with `input` validated first; a bad filter throws the zod error naming the field. */
export async function list<N extends ListName>(pool: DatabasePool, name: N, input: unknown): Promise<Page> {
  const filter = listSchemas[name].parse(input ?? {}) as Record<string, unknown>;
  if (name === 'positions') {
    const where = [sql.fragment`true`];
    if (filter.traderId !== undefined) where.push(sql.fragment`trader_id = ${filter.traderId as string}`);
    if (filter.symbol !== undefined) where.push(sql.fragment`symbol = ${filter.symbol as string}`);
    if (filter.open !== undefined) where.push(filter.open ? sql.fragment`quantity <> 0` : sql.fragment`quantity = 0`);
    if (filter.from !== undefined) where.push(sql.fragment`updated_at >= to_timestamp(${filter.from as number} / 1000.0)`);
    if (filter.to !== undefined) where.push(sql.fragment`updated_at < to_timestamp(${filter.to as number} / 1000.0)`);
    return { rows: (await pool.any(sql.unsafe`SELECT * FROM positions WHERE ${sql.join(where, sql.fragment` AND `)} ORDER BY trader_id, symbol`)) as Row[] };
  }
  if (name === 'balances') {
    const where = filter.traderId === undefined ? sql.fragment`true` : sql.fragment`trader_id = ${filter.traderId as string}`;
    return { rows: (await pool.any(sql.unsafe`${LATEST_BALANCES} WHERE ${where} ORDER BY trader_id, asset, timestamp DESC`)) as Row[] };
  }
  const { table, time: at, key } = PAGED[name as keyof typeof PAGED];
  const where: FragmentSqlToken[] = [];
  for (const [field, column] of Object.entries(COLUMN_OF)) {
    if (filter[field] !== undefined) where.push(sql.fragment`${sql.identifier([column])} = ${filter[field] as string | boolean}`);
  }
  if (filter.from !== undefined) where.push(sql.fragment`${sql.identifier([at])} >= to_timestamp(${filter.from as number} / 1000.0)`);
  if (filter.to !== undefined) where.push(sql.fragment`${sql.identifier([at])} < to_timestamp(${filter.to as number} / 1000.0)`);
  if (filter.before !== undefined) {
    const cursor = filter.before as string;
    const split = cursor.indexOf(':');
    where.push(sql.fragment`(${sql.identifier([at])}, ${sql.identifier([key])}) < (to_timestamp(${Number(cursor.slice(0, split))} / 1000.0), ${cursor.slice(split + 1)})`);
  }
  const limit = filter.limit as number;
  const rows = await pool.any(sql.unsafe`
    SELECT * FROM ${sql.identifier([table])}
    WHERE ${where.length > 0 ? sql.join(where, sql.fragment` AND `) : sql.fragment`true`}
    ORDER BY ${sql.identifier([at])} DESC, ${sql.identifier([key])} DESC
    LIMIT ${limit + 1}`);
  const out: Page = { rows: rows.slice(0, limit) as Row[] };
  if (rows.length > limit) {
    const last = out.rows.at(-1)!;
    out.next = `${last[at] as number}:${last[key] as string}`;
  }
  return out;
}

const LATEST_BALANCES = sql.fragment`SELECT DISTINCT ON (trader_id, asset) trader_id, asset, free, locked, total_balance_usd, timestamp FROM balances`;

const orderRow = z.object({
  client_order_id: z.string(),
  exchange_order_id: z.string().nullable(),
  trader_id: z.string(),
  signal_id: z.string().nullable(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  order_type: z.enum(['MARKET', 'LIMIT', 'STOP']),
  price: z.string().nullable(),
  quantity: z.string(),
  filled_quantity: z.string(),
  filled_notional: z.string(),
  fees: z.string(),
  status: z.string(),
  reduce_only: z.boolean(),
  reason: z.string().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
});

const positionRow = z.object({
  symbol: z.string(),
  quantity: z.string(),
  avg_entry_price: z.string(),
  realized_pnl: z.string(),
  fees: z.string(),
  opened_at: z.number().nullable(),
});

/** A trader's state as the database has it: open positions, live orders, latest balances, latest signal ids and mode. */
export async function recoverTrader(pool: DatabasePool, traderId: string, signalWindow: number): Promise<RecoveredTrader> {
  const [positions, orders, balances, signals, trader] = await Promise.all([
    pool.any(sql.type(positionRow)`SELECT symbol, quantity, avg_entry_price, realized_pnl, fees, opened_at FROM positions WHERE trader_id = ${traderId}`),
    pool.any(sql.type(orderRow)`SELECT * FROM orders WHERE trader_id = ${traderId} AND status IN ('new', 'open', 'partially_filled') ORDER BY created_at, client_order_id`),
    pool.any(sql.type(z.object({ asset: z.string(), free: z.string() }))`${LATEST_BALANCES} WHERE trader_id = ${traderId} ORDER BY trader_id, asset, timestamp DESC`),
    pool.any(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM (SELECT id, received_at FROM signals WHERE trader_id = ${traderId} ORDER BY received_at DESC LIMIT ${signalWindow}) latest
      ORDER BY received_at`),
    pool.maybeOne(sql.type(z.object({ mode: z.enum(['active', 'reduce-only', 'halted']), mode_reason: z.string() }))`SELECT mode, mode_reason FROM traders WHERE id = ${traderId}`),
  ]);
  return {
    positions: positions.map(
      (p): Position => ({
        symbol: p.symbol,
        quantity: toFixed(p.quantity, 'positions.quantity'),
        avgEntry: toFixed(p.avg_entry_price, 'positions.avg_entry_price'),
        realizedPnl: toFixed(p.realized_pnl, 'positions.realized_pnl'),
        fees: toFixed(p.fees, 'positions.fees'),
        openedAt: p.opened_at ?? 0,
      }),
    ),
    orders: orders.map((o): Order => {
      const order: Order = {
        clientOrderId: o.client_order_id,
        traderId: o.trader_id,
        signalId: o.signal_id ?? '',
        symbol: o.symbol,
        side: o.side === 'BUY' ? 'buy' : 'sell',
        type: o.order_type === 'MARKET' ? 'market' : 'limit',
        quantity: toFixed(o.quantity, 'orders.quantity'),
        reduceOnly: o.reduce_only,
        status: o.status as OrderStatus,
        filled: toFixed(o.filled_quantity, 'orders.filled_quantity'),
        filledNotional: toFixed(o.filled_notional, 'orders.filled_notional'),
        fees: toFixed(o.fees, 'orders.fees'),
        createdAt: o.created_at,
        updatedAt: o.updated_at,
      };
      if (o.price !== null) order.price = toFixed(o.price, 'orders.price');
      if (o.exchange_order_id !== null) order.exchangeOrderId = o.exchange_order_id;
      if (o.reason !== null) order.reason = o.reason;
      return order;
    }),
    balances: balances.length > 0 ? Object.fromEntries(balances.map((b) => [b.asset, toFixed(b.free, 'balances.free')])) : undefined,
    signalIds: signals.map((s) => s.id),
    mode: (trader?.mode ?? 'active') as TraderMode,
    modeReason: trader?.mode_reason ?? '',
  };
}

/** Latest balances per account of every trader, for opening the paper exchange's accounts as they were. */
export async function latestBalances(pool: DatabasePool): Promise<Record<string, Record<string, string>>> {
  const rows = await pool.any(sql.type(z.object({ trader_id: z.string(), asset: z.string(), free: z.string() }))`${LATEST_BALANCES} ORDER BY trader_id, asset, timestamp DESC`);
  const out: Record<string, Record<string, string>> = {};
  for (const row of rows) (out[row.trader_id] ??= {})[row.asset] = row.free;
  return out;
}
