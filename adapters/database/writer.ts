import { sql, type CommonQueryMethods, type DatabasePool, type DatabaseTransactionConnection, type FragmentSqlToken, type ListSqlToken, type QuerySqlToken } from 'slonik';
import { rowCount, traderOfRow, type Fenced, type RowBatch } from '../../actors/persistence/rows.js';
import { z } from 'zod';
import { isRefusedData } from './errors.js';

type Column = readonly [name: string, type: 'text' | 'numeric' | 'bool' | 'jsonb' | 'time'];

/**
 * One table's part of a batch's statement: `INSERT ... SELECT FROM unnest(...)` (see `unnested`), with
 * `ON CONFLICT` making every write idempotent: a batch written twice (a journal replayed after a crash)
 * changes nothing.
 */
function insert<R extends object>(table: string, columns: readonly Column[], rows: readonly R[], conflict: FragmentSqlToken): FragmentSqlToken {
  const { names, from } = unnested('t', columns, rows);
  const select = columns.map(([name, type]) => (type === 'time' ? sql.fragment`to_timestamp(${sql.identifier(['t', name])} / 1000.0)` : sql.identifier(['t', name])));
  return sql.fragment`
    INSERT INTO ${sql.identifier([table])} (${names})
    SELECT ${sql.join(select, sql.fragment`, `)} FROM ${from}
    ${conflict}`;
}

/**
 * Rows as a table named `alias`: `unnest(<one array per column>) AS alias(<columns>)`, so rows of any
 * number have fixed SQL text. Times travel as epoch ms (float8), for the statement to make timestamptz.
 */
function unnested(alias: string, columns: readonly Column[], rows: readonly object[]): { names: ListSqlToken; from: FragmentSqlToken } {
  const arrays = columns.map(([name, type]) => sql.fragment`${arrayLiteral(rows, name, type)}::${sql.identifier([type === 'time' ? 'float8' : type])}[]`);
  const names = sql.join(
    columns.map(([name]) => sql.identifier([name])),
    sql.fragment`, `,
  );
  return { names, from: sql.fragment`unnest(${sql.join(arrays, sql.fragment`, `)}) AS ${sql.identifier([alias])}(${names})` };
}

/**
 * One column as a PostgreSQL array literal, bound as a single text parameter. Written by hand
 * rather than by slonik's `sql.unnest`: that checks and escapes every value generically, and was most
 * of the CPU a batch cost. Numbers, decimals and booleans need no quoting; text is quoted and escaped.
 */
function arrayLiteral(rows: readonly object[], name: string, type: Column[1]): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = (rows[i] as Record<string, unknown>)[name];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (type === 'text' || type === 'jsonb') parts[i] = quote(value as string);
    else if (type === 'bool') parts[i] = value ? 't' : 'f';
    else parts[i] = String(value);
  }
  return `{${parts.join(',')}}`;
}

const NEEDS_ESCAPE = /["\\]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}

const SIGNALS: Column[] = [
  ['trader_id', 'text'], ['id', 'text'], ['strategy', 'text'], ['symbol', 'text'], ['action', 'text'], ['order_type', 'text'], ['quantity', 'numeric'],
  ['price', 'numeric'], ['outcome', 'text'], ['reason', 'text'], ['field', 'text'], ['client_order_id', 'text'], ['received_at', 'time'],
];
const ORDERS: Column[] = [
  ['client_order_id', 'text'], ['trader_id', 'text'], ['signal_id', 'text'], ['exchange', 'text'], ['exchange_order_id', 'text'],
  ['symbol', 'text'], ['side', 'text'], ['order_type', 'text'], ['price', 'numeric'], ['quantity', 'numeric'],
  ['filled_quantity', 'numeric'], ['filled_notional', 'numeric'], ['fees', 'numeric'], ['status', 'text'],
  ['reduce_only', 'bool'], ['reason', 'text'], ['created_at', 'time'], ['updated_at', 'time'],
];
const TRADES: Column[] = [
  ['exchange', 'text'], ['trade_id', 'text'], ['client_order_id', 'text'], ['trader_id', 'text'], ['symbol', 'text'], ['side', 'text'],
  ['price', 'numeric'], ['quantity', 'numeric'], ['fee', 'numeric'], ['fee_currency', 'text'], ['liquidity', 'text'], ['executed_at', 'time'],
];
const POSITIONS: Column[] = [
  ['trader_id', 'text'], ['symbol', 'text'], ['quantity', 'numeric'], ['avg_entry_price', 'numeric'], ['realized_pnl', 'numeric'],
  ['fees', 'numeric'], ['funding', 'numeric'], ['opened_at', 'time'], ['funded_to', 'time'], ['updated_at', 'time'],
];
const BALANCES: Column[] = [
  ['trader_id', 'text'], ['exchange', 'text'], ['account', 'text'], ['asset', 'text'], ['free', 'numeric'], ['total_balance_usd', 'numeric'], ['timestamp', 'time'],
];
const REVIEWS: Column[] = [
  ['client_order_id', 'text'], ['reviewer', 'text'], ['trader_id', 'text'], ['signal_id', 'text'], ['approved', 'bool'], ['reason', 'text'],
  ['decided_by', 'text'], ['model', 'text'], ['prompt_version', 'text'], ['confidence', 'numeric'], ['reasons', 'jsonb'], ['latency_ms', 'numeric'],
  ['input_tokens', 'numeric'], ['output_tokens', 'numeric'], ['flagged', 'bool'], ['note', 'text'], ['reviewed_at', 'time'],
];
const EVENTS: Column[] = [['id', 'text'], ['trader_id', 'text'], ['kind', 'text'], ['payload', 'jsonb'], ['at', 'time']];
const MODES: Column[] = [['id', 'text'], ['mode', 'text'], ['mode_reason', 'text'], ['updated_at', 'time']];

/**
 * Writes a batch in one statement (see `batchStatement`). An order or a position only moves forward in
 * time, so an older state arriving late never overwrites a newer one. Rows migrated from v2 (`original_id` set) are history, read-only to the
 * platform: no upsert updates one (balances: their key covers v3's own rows only; trades and reviews
 * are never updated).
 * On a cluster node, the rows of a trader whose lease another node has claimed since are dropped (see
 * `unfenced`), in a transaction that holds the lease rows while it writes; resolves with those traders.
 */
export async function writeBatch(pool: DatabasePool, stamped: RowBatch): Promise<string[]> {
  const traders = stampedTraders(stamped);
  if (traders.size === 0) {
    const statement = batchStatement(stamped);
    if (statement) await pool.query(statement);
    return [];
  }
  return pool.transaction(async (tx) => {
    const { batch, fenced } = await unfenced(tx, stamped, traders);
    const statement = batchStatement(batch);
    if (statement) await tx.query(statement);
    return fenced;
  });
}

/**
 * Every table of a batch in one statement, one round trip: each table's write is a data-modifying
 * `WITH` part of it, so the batch is stored whole or not at all without a transaction of its own.
 * PostgreSQL checks a trade's foreign key on its order at the end of the statement, once every part
 * has run, so orders and their trades can come in the same batch. It runs the last part first, then the
 * others from the last to the first: every batch writes its tables in the same order, so batches
 * written at once lock the rows they share in one order (each table's rows are sorted by key) and wait
 * for each other rather than deadlock. Undefined for an empty batch.
 */
function batchStatement(batch: RowBatch): QuerySqlToken | undefined {
  const parts: FragmentSqlToken[] = [];
  const add = <R extends object>(rows: readonly R[], part: (rows: readonly R[]) => FragmentSqlToken) => {
    if (rows.length > 0) parts.push(part(rows));
  };
  add(batch.orders, (rows) =>
    insert('orders', ORDERS, rows, sql.fragment`
      ON CONFLICT (client_order_id) DO UPDATE SET
        exchange_order_id = COALESCE(EXCLUDED.exchange_order_id, orders.exchange_order_id),
        filled_quantity = EXCLUDED.filled_quantity, filled_notional = EXCLUDED.filled_notional, fees = EXCLUDED.fees,
        status = EXCLUDED.status, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at
      WHERE orders.updated_at <= EXCLUDED.updated_at AND orders.original_id IS NULL`),
  );
  add(batch.trades, (rows) => insert('trades', TRADES, rows, sql.fragment`ON CONFLICT (exchange, trade_id) DO NOTHING`));
  add(batch.signals, (rows) =>
    insert('signals', SIGNALS, rows, sql.fragment`
      ON CONFLICT (trader_id, id) DO UPDATE SET
        strategy = EXCLUDED.strategy, symbol = EXCLUDED.symbol, action = EXCLUDED.action, order_type = EXCLUDED.order_type,
        quantity = EXCLUDED.quantity, price = EXCLUDED.price, outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, field = EXCLUDED.field,
        client_order_id = EXCLUDED.client_order_id, received_at = EXCLUDED.received_at
      WHERE signals.outcome = 'rejected' AND EXCLUDED.outcome <> 'duplicate' AND signals.original_id IS NULL`),
  );
  add(batch.positions, (rows) =>
    insert('positions', POSITIONS, rows, sql.fragment`
      ON CONFLICT (trader_id, symbol) DO UPDATE SET
        quantity = EXCLUDED.quantity, avg_entry_price = EXCLUDED.avg_entry_price, realized_pnl = EXCLUDED.realized_pnl,
        fees = EXCLUDED.fees, funding = EXCLUDED.funding, opened_at = EXCLUDED.opened_at, funded_to = EXCLUDED.funded_to, updated_at = EXCLUDED.updated_at
      WHERE positions.updated_at <= EXCLUDED.updated_at`),
  );
  add(batch.balances, (rows) =>
    insert('balances', BALANCES, rows, sql.fragment`
      ON CONFLICT (trader_id, asset, timestamp) WHERE original_id IS NULL DO UPDATE SET free = EXCLUDED.free, total_balance_usd = EXCLUDED.total_balance_usd`),
  );
  add(batch.reviews, (rows) => insert('reviews', REVIEWS, rows, sql.fragment`ON CONFLICT (client_order_id, reviewer) DO NOTHING`));
  add(batch.events, (rows) => insert('events', EVENTS, rows, sql.fragment`ON CONFLICT (id) DO NOTHING`));
  // One row per trader (the batch keeps a trader's latest mode), so no row is updated twice in the statement.
  add(batch.modes, (rows) => sql.fragment`
    UPDATE traders SET mode = m.mode, mode_reason = m.mode_reason, updated_at = to_timestamp(m.updated_at / 1000.0)
    FROM ${unnested('m', MODES, rows).from}
    WHERE traders.id = m.id AND traders.updated_at <= to_timestamp(m.updated_at / 1000.0)`);
  const last = parts.pop();
  if (last === undefined) return undefined;
  if (parts.length === 0) return sql.unsafe`${last}`;
  const earlier = parts.map((part, i) => sql.fragment`${sql.identifier([`w${i}`])} AS (${part})`);
  return sql.unsafe`WITH ${sql.join(earlier, sql.fragment`, `)} ${last}`;
}

/** The traders of the batch's rows that carry a lease generation (a cluster node's): none in one process. */
function stampedTraders(batch: RowBatch): Set<string> {
  const traders = new Set<string>();
  for (const rows of Object.values(batch) as Fenced[][]) for (const row of rows) if (row.generation !== undefined) traders.add(traderOfRow(row)!);
  return traders;
}

/**
 * How long a transaction holding lease rows may sit idle (its node frozen mid-write) before the server
 * ends it: the next owner's claim waits for it that long at most.
 */
const FENCED_IDLE_TIMEOUT = '5s';

/**
 * The batch without the rows made under an older lease generation (`Fenced`) than their trader's lease
 * has claimed since (`claimLease`), and the traders of those rows. The lease rows are read under a share
 * lock, held to the end of the transaction, which a claim waits for: either these rows commit before
 * the next owner claims the trader (and it starts from them), or this sees the claim and writes none of
 * the old owner's. `stamped`: the traders of its rows with a generation (`stampedTraders`).
 */
async function unfenced(tx: DatabaseTransactionConnection, batch: RowBatch, stamped: ReadonlySet<string>): Promise<{ batch: RowBatch; fenced: string[] }> {
  await tx.query(sql.unsafe`SET LOCAL idle_in_transaction_session_timeout = ${sql.literalValue(FENCED_IDLE_TIMEOUT)}`);
  const claims = await tx.any(sql.type(z.object({ trader_id: z.string(), generation: z.coerce.number() }))`
    SELECT trader_id, generation FROM trader_leases WHERE trader_id = ANY(${sql.array([...stamped], 'text')}) ORDER BY trader_id FOR SHARE`);
  const claimed = new Map(claims.map((c) => [c.trader_id, c.generation]));
  const fenced = new Set<string>();
  const stale = (row: Fenced) => {
    const traderId = traderOfRow(row);
    if (row.generation === undefined || traderId === null || row.generation >= (claimed.get(traderId) ?? 0)) return false;
    fenced.add(traderId);
    return true;
  };
  const kept = Object.fromEntries(Object.entries(batch).map(([table, rows]) => [table, (rows as Fenced[]).filter((row) => !stale(row))]));
  return fenced.size === 0 ? { batch, fenced: [] } : { batch: kept as unknown as RowBatch, fenced: [...fenced] };
}

/**
 * Claims trader `traderId`'s lease at `generation` in the database, before its new owner reads its state:
 * from then on, a node that held it under an older generation writes nothing more of it. Waits for writes
 * of the old owner that hold the lease row (`unfenced`). A claim never goes back to an older generation.
 */
export async function claimLease(pool: CommonQueryMethods, traderId: string, generation: number): Promise<void> {
  await pool.query(sql.unsafe`
    INSERT INTO trader_leases (trader_id, generation) VALUES (${traderId}, ${generation})
    ON CONFLICT (trader_id) DO UPDATE SET generation = EXCLUDED.generation WHERE trader_leases.generation < EXCLUDED.generation`);
}

/**
 * The tables of a batch, orders before trades (so that a split never puts a trade in the half written
 * before its order's), as the keys of an object that must name every table of `RowBatch`, so a table
 * added there cannot be left out of a split here.
 */
const TABLE_ORDER = { orders: true, trades: true, signals: true, positions: true, balances: true, reviews: true, events: true, modes: true } satisfies Record<keyof RowBatch, true>;
const TABLES = Object.keys(TABLE_ORDER) as (keyof RowBatch)[];

/** A row the database refused on its own: a batch of that one row, its table, and the database's error. */
export interface RefusedRow {
  row: RowBatch;
  table: keyof RowBatch;
  error: Error;
}

/**
 * Writes a batch as `writeBatch` does; when the database refuses it as data (a constraint, a malformed
 * value, see `isRefusedData`), writes its two halves, each on its own and recursively, until every row
 * it refuses stands alone: all the others are stored, and the refused rows are returned. One bad row
 * then costs about 2 log2(n) more writes, not the other rows. The halves keep the tables' order and the
 * first is written first, so no row is refused for a row it references that was still to come.
 * Any other error (a lost connection) is thrown: the caller keeps the whole batch, and writing the part
 * already stored again changes nothing. `fenced`: the traders whose rows were dropped (see `writeBatch`).
 */
export async function writeBatchIsolating(pool: DatabasePool, batch: RowBatch): Promise<{ refused: RefusedRow[]; fenced: string[] }> {
  try {
    return { refused: [], fenced: await writeBatch(pool, batch) };
  } catch (error) {
    if (!isRefusedData(error)) throw error;
    if (rowCount(batch) === 1) return { refused: [{ row: batch, table: TABLES.find((table) => batch[table].length > 0)!, error: error as Error }], fenced: [] };
    const [first, second] = halves(batch);
    const [a, b] = [await writeBatchIsolating(pool, first), await writeBatchIsolating(pool, second)];
    return { refused: [...a.refused, ...b.refused], fenced: [...new Set([...a.fenced, ...b.fenced])] };
  }
}

/** The first half of the batch's rows in write order, and the rest. */
function halves(batch: RowBatch): [RowBatch, RowBatch] {
  const first = {} as Record<keyof RowBatch, unknown[]>;
  const second = {} as Record<keyof RowBatch, unknown[]>;
  let left = Math.ceil(rowCount(batch) / 2);
  for (const table of TABLES) {
    const rows: readonly unknown[] = batch[table];
    const taken = Math.min(rows.length, left);
    first[table] = rows.slice(0, taken);
    second[table] = rows.slice(taken);
    left -= taken;
  }
  return [first as RowBatch, second as RowBatch];
}
