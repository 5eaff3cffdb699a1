import { sql, type DatabasePool, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { toFixed } from '../../actors/trading/fixed.js';
import { storableText } from '../../actors/trading/text.js';
import type { Order, OrderStatus } from '../../actors/trading/order.js';
import type { Position } from '../../actors/trading/position.js';
import type { RecoveredTrader } from '../../actors/trader/recovery.js';
import type { TraderMode } from '../../actors/risk/limits.js';
import { issueField, issuePath } from '../../runtime/issues.js';

/**
 * The reads the platform needs: what a restarted trader recovers, and the lists the API serves.
 * Lists are newest first with keyset pagination: `next` is an opaque cursor to pass as `before`,
 * stable while rows are added (an offset would skip or repeat rows under a busy trader).
 * Each list serves the columns `COLUMNS` declares, typed as declared: amounts as exact decimal text,
 * ids as strings, times as epoch ms.
 */

/** The latest epoch ms a filter takes: 15 digits (the year 33658), far inside timestamptz's range (the year 294276). */
const MAX_MS = 999_999_999_999_999;
/** Epoch ms (a number, or digits from a query string) or an ISO 8601 time with its offset (years 0000 to 9999). */
export const time = z.union(
  [z.number().int().nonnegative().max(MAX_MS), z.string().regex(/^\d{1,15}$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))],
  { error: 'must be epoch milliseconds (at most 15 digits) or an ISO 8601 time with offset' },
);
/** As long as the ids the platform and the config give traders (48) and manual orders take (64, symbols 32). */
const traderId = storableText.min(1).max(64).optional();
const symbol = storableText.min(1).max(32).optional();
const page = {
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  /** `<epoch ms>:<key>`, as `next` makes it; the key is an id, far shorter than the bound. */
  before: storableText.max(1_024).regex(/^\d{1,15}:.+$/s, 'use the `next` cursor of the previous page').optional(),
  from: time.optional(),
  to: time.optional(),
};

/**
 * Each list's filters, checked in full before any query is made (by the API first, which answers a bad
 * one with a 400 naming it): every value is one PostgreSQL takes, a time or a cursor's time within
 * timestamptz's range, text without a NUL or a lone surrogate (`storableText`), each length bounded, so
 * a database error is never the answer to a bad filter.
 */
export const listSchemas = {
  orders: z.strictObject({
    traderId,
    symbol,
    status: z.enum(['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired']).optional(),
    side: z.enum(['BUY', 'SELL']).optional(),
    ...page,
  }),
  trades: z.strictObject({ traderId, symbol, side: z.enum(['BUY', 'SELL']).optional(), ...page }),
  signals: z.strictObject({
    traderId,
    symbol,
    outcome: z.enum(['accepted', 'skipped', 'rejected', 'duplicate']).optional(),
    ...page,
  }),
  positions: z.strictObject({
    traderId,
    symbol,
    open: z.union([z.boolean(), z.stringbool()]).optional(),
    from: time.optional(),
    to: time.optional(),
  }),
  balances: z.strictObject({ traderId }),
  /** Review decisions with each AI verdict and the order's outcome (the `review_decisions` view). */
  reviews: z.strictObject({
    traderId,
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

/**
 * How a column of a list is written, declared by column, never read off the value: an int8 id and a
 * fixed-point amount are both bigints in memory, and the API's JSON prints every bigint as an amount
 * (v2's order 2000 came out with `"original_id":"0.000002"`). `decimal`: an amount (NUMERIC), the exact
 * text the pool reads it as (connect.ts); `id`: a string, whether the column is text or int8 (exact
 * beyond 2^53); `time`: epoch ms; `text`, `bool`, `json`: as read.
 */
type Kind = 'text' | 'decimal' | 'id' | 'time' | 'bool' | 'json';

const COLUMNS: Record<ListName, Readonly<Record<string, Kind>>> = {
  orders: {
    client_order_id: 'id', trader_id: 'id', signal_id: 'id', exchange: 'text', exchange_order_id: 'id', symbol: 'text', side: 'text',
    order_type: 'text', price: 'decimal', stop_price: 'decimal', quantity: 'decimal', filled_quantity: 'decimal', filled_notional: 'decimal',
    fees: 'decimal', status: 'text', reduce_only: 'bool', reason: 'text', strategy: 'text', created_at: 'time', updated_at: 'time', original_id: 'id',
  },
  trades: {
    exchange: 'text', trade_id: 'id', client_order_id: 'id', trader_id: 'id', symbol: 'text', side: 'text', price: 'decimal', quantity: 'decimal',
    fee: 'decimal', fee_currency: 'text', liquidity: 'text', executed_at: 'time', original_id: 'id',
  },
  signals: {
    trader_id: 'id', id: 'id', strategy: 'text', symbol: 'text', action: 'text', order_type: 'text', quantity: 'decimal', price: 'decimal',
    confidence: 'decimal', outcome: 'text', reason: 'text', field: 'text', client_order_id: 'id', payload: 'json', received_at: 'time', original_id: 'id',
  },
  positions: {
    trader_id: 'id', symbol: 'text', quantity: 'decimal', avg_entry_price: 'decimal', realized_pnl: 'decimal', fees: 'decimal', funding: 'decimal', opened_at: 'time',
    funded_to: 'time', updated_at: 'time',
  },
  balances: {
    trader_id: 'id', exchange: 'text', account: 'text', asset: 'text', free: 'decimal', locked: 'decimal', total_balance_usd: 'decimal', timestamp: 'time',
    original_id: 'id',
  },
  reviews: {
    client_order_id: 'id', trader_id: 'id', signal_id: 'id', approved: 'bool', reason: 'text', decided_by: 'text', flagged: 'bool', note: 'text',
    reviewed_at: 'time', opinions: 'json', order_status: 'text', order_filled_quantity: 'decimal', order_filled_notional: 'decimal', order_fees: 'decimal',
  },
};

const columnsOf = (name: ListName) => sql.join(Object.keys(COLUMNS[name]).map((column) => sql.identifier([column])), sql.fragment`, `);

/** A row of list `name` as it is served: its declared columns, each written as its kind says. */
function served(name: ListName, row: unknown): Row {
  const out: Row = {};
  for (const [column, kind] of Object.entries(COLUMNS[name])) {
    const value = (row as Row)[column];
    if (value === null) out[column] = null;
    else if (kind === 'id') out[column] = String(value);
    else if (kind === 'decimal' && typeof value !== 'string') throw new Error(`${name}.${column}: expected an exact decimal, read a ${typeof value}`);
    else out[column] = value;
  }
  return out;
}

const PAGED = {
  orders: { table: 'orders', time: 'created_at', key: 'client_order_id' },
  trades: { table: 'trades', time: 'executed_at', key: 'trade_id' },
  signals: { table: 'signals', time: 'received_at', key: 'id' },
  reviews: { table: 'review_decisions', time: 'reviewed_at', key: 'client_order_id' },
} as const;

const COLUMN_OF: Record<string, string> = { traderId: 'trader_id', symbol: 'symbol', status: 'status', side: 'side', outcome: 'outcome', decidedBy: 'decided_by', approved: 'approved' };

/** Why `list` failed: a bad filter names its `field`; anything else is the database's own message. */
export function queryFailure(error: unknown): { field?: string; reason: string } {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0]!;
    if (issue.code === 'unrecognized_keys') return { field: issuePath('', issueField(issue).path), reason: 'unknown filter' };
    return { field: issuePath('', issue.path) || 'filter', reason: issue.message };
  }
  return { reason: (error as Error).message };
}

/** One stored order by its client order id, as the `orders` list serves it; undefined when there is none. */
export async function findOrder(pool: DatabasePool, clientOrderId: string): Promise<Row | undefined> {
  const row = await pool.maybeOne(sql.unsafe`SELECT ${columnsOf('orders')} FROM orders WHERE client_order_id = ${clientOrderId}`);
  return row === null ? undefined : served('orders', row);
}

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
    const rows = await pool.any(sql.unsafe`SELECT ${columnsOf(name)} FROM positions WHERE ${sql.join(where, sql.fragment` AND `)} ORDER BY trader_id COLLATE "C", symbol COLLATE "C"`);
    return { rows: rows.map((row) => served(name, row)) };
  }
  if (name === 'balances') {
    // The latest of each asset per account: v2's rows are per exchange, v3's per trader's exchange and account.
    const where = filter.traderId === undefined ? sql.fragment`true` : sql.fragment`trader_id = ${filter.traderId as string}`;
    const rows = await pool.any(sql.unsafe`
      SELECT DISTINCT ON (trader_id, exchange, account, asset) ${columnsOf(name)} FROM balances WHERE ${where}
      ORDER BY trader_id, exchange, account, asset, timestamp DESC`);
    return { rows: rows.map((row) => served(name, row)) };
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
    SELECT ${columnsOf(name)} FROM ${sql.identifier([table])}
    WHERE ${where.length > 0 ? sql.join(where, sql.fragment` AND `) : sql.fragment`true`}
    ORDER BY ${sql.identifier([at])} DESC, ${sql.identifier([key])} DESC
    LIMIT ${limit + 1}`);
  const out: Page = { rows: rows.slice(0, limit).map((row) => served(name, row)) };
  if (rows.length > limit) {
    const last = out.rows.at(-1)!;
    out.next = `${last[at] as number}:${last[key] as string}`;
  }
  return out;
}

/**
 * The balance rows (`b`) a trader wrote itself, on the exchange and account it is registered on (`t`).
 * Rows migrated from v2 are v2's history, never a v3 trader's ledger: they would open its account with
 * v2's per-exchange snapshots mixed into one (BTC from one exchange, USDT from another).
 */
export const OWN_BALANCE_ROWS = sql.fragment`
  balances b JOIN traders t ON t.id = b.trader_id AND t.exchange = b.exchange AND t.account = b.account
  WHERE b.original_id IS NULL`;

/** What a trader holds now: the latest balance of each asset of its own rows. */
const OWN_BALANCES = sql.fragment`SELECT DISTINCT ON (b.trader_id, b.asset) b.trader_id, b.asset, b.free FROM ${OWN_BALANCE_ROWS}`;

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
  /** Of the signal that made it (recovery joins it in), for a review asked again. */
  signal_strategy: z.string().nullable(),
});

const positionRow = z.object({
  symbol: z.string(),
  quantity: z.string(),
  avg_entry_price: z.string(),
  realized_pnl: z.string(),
  fees: z.string(),
  funding: z.string(),
  opened_at: z.number().nullable(),
  funded_to: z.number().nullable(),
});

/**
 * A trader's state as the database has it: open positions, live orders, latest balances, latest signal
 * ids and mode. Only what the trader did itself: its orders on the exchange it is registered on and its
 * own balances, never rows migrated from v2 (a v3 trader named as the migration's `default_trader`
 * would otherwise reconcile v2's live orders against its exchange, and rewrite them). Positions are
 * v3's only: v2's are in `position_history`. Signal ids include migrated ones: a signal sent again
 * under an id v2 used is a duplicate, not an outcome the read-only migrated row could not record.
 */
export async function recoverTrader(pool: DatabasePool, traderId: string, signalWindow: number): Promise<RecoveredTrader> {
  const [positions, orders, balances, signals, trader] = await Promise.all([
    pool.any(sql.type(positionRow)`SELECT symbol, quantity, avg_entry_price, realized_pnl, fees, funding, opened_at, funded_to FROM positions WHERE trader_id = ${traderId}`),
    pool.any(sql.type(orderRow)`
      SELECT o.*, s.strategy AS signal_strategy FROM orders o JOIN traders t ON t.id = o.trader_id AND t.exchange = o.exchange
      LEFT JOIN signals s ON s.trader_id = o.trader_id AND s.id = o.signal_id
      WHERE o.trader_id = ${traderId} AND o.original_id IS NULL AND o.status IN ('new', 'open', 'partially_filled')
      ORDER BY o.created_at, o.client_order_id`),
    pool.any(sql.type(z.object({ asset: z.string(), free: z.string() }))`${OWN_BALANCES} AND b.trader_id = ${traderId} ORDER BY b.trader_id, b.asset, b.timestamp DESC`),
    pool.any(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM (SELECT id, received_at FROM signals WHERE trader_id = ${traderId} ORDER BY received_at DESC LIMIT ${signalWindow}) latest
      ORDER BY received_at`),
    pool.maybeOne(sql.type(z.object({ mode: z.enum(['active', 'reduce-only', 'halted']), mode_reason: z.string() }))`SELECT mode, mode_reason FROM traders WHERE id = ${traderId}`),
  ]);
  return {
    positions: positions.map((p): Position => {
      const position: Position = {
        symbol: p.symbol,
        quantity: toFixed(p.quantity, 'positions.quantity'),
        avgEntry: toFixed(p.avg_entry_price, 'positions.avg_entry_price'),
        realizedPnl: toFixed(p.realized_pnl, 'positions.realized_pnl'),
        fees: toFixed(p.fees, 'positions.fees'),
        openedAt: p.opened_at ?? 0,
      };
      const funding = toFixed(p.funding, 'positions.funding');
      if (funding !== 0n) position.funding = funding;
      if (p.funded_to !== null) position.fundedTo = p.funded_to;
      return position;
    }),
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
      if (o.status === 'new' && o.signal_strategy) order.strategy = o.signal_strategy;
      return order;
    }),
    balances: balances.length > 0 ? Object.fromEntries(balances.map((b) => [b.asset, toFixed(b.free, 'balances.free')])) : undefined,
    signalIds: signals.map((s) => s.id),
    mode: (trader?.mode ?? 'active') as TraderMode,
    modeReason: trader?.mode_reason ?? '',
  };
}

/** Each trader's open perpetual positions (only `traderId`'s when given): a restarted platform opens the paper exchange's swap positions with them. */
export async function openSwapPositions(pool: DatabasePool, traderId?: string): Promise<Record<string, StoredSwapPosition[]>> {
  const of = traderId === undefined ? sql.fragment`` : sql.fragment`AND trader_id = ${traderId}`;
  const rows = await pool.any(
    sql.type(z.object({ trader_id: z.string(), symbol: z.string(), quantity: z.string(), avg_entry_price: z.string() }))`
      SELECT trader_id, symbol, quantity, avg_entry_price FROM positions WHERE quantity <> 0 AND symbol LIKE '%:%' ${of} ORDER BY trader_id, symbol`,
  );
  const out: Record<string, StoredSwapPosition[]> = {};
  for (const row of rows) (out[row.trader_id] ??= []).push({ symbol: row.symbol, quantity: row.quantity, avgEntry: row.avg_entry_price });
  return out;
}

/** A stored swap position, its amounts as the database prints them. */
export interface StoredSwapPosition {
  symbol: string;
  quantity: string;
  avgEntry: string;
}

/** What every trader (only `traderId` when given) holds now (its own balances, as `recoverTrader` has them), for opening the paper exchange's accounts as they were. */
export async function latestBalances(pool: DatabasePool, traderId?: string): Promise<Record<string, Record<string, string>>> {
  const of = traderId === undefined ? sql.fragment`` : sql.fragment`AND b.trader_id = ${traderId}`;
  const rows = await pool.any(sql.type(z.object({ trader_id: z.string(), asset: z.string(), free: z.string() }))`${OWN_BALANCES} ${of} ORDER BY b.trader_id, b.asset, b.timestamp DESC`);
  const out: Record<string, Record<string, string>> = {};
  for (const row of rows) (out[row.trader_id] ??= {})[row.asset] = row.free;
  return out;
}
