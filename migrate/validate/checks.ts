import { fixedToString, toFixed } from '../../actors/trading/fixed.js';
import { swapSymbol } from '../../actors/trading/symbol.js';
import type { Connection } from '../connect.js';
import { carrierId } from '../data/open-positions.js';
import { exchange, symbol } from '../data/rules.js';
import { orderStatus, TABLE_SPECS, type TableSpec } from '../data/tables.js';
import type { V2Table } from '../v2/schema.js';
import { compareKeys } from './keys.js';
import { addDecimals, sameDecimal } from './sums.js';

/** One check of `migrate validate`: v2's side against v3's migrated rows plus the quarantined ones. */
export interface Check {
  name: string;
  v2: string;
  /** v3's migrated rows, plus the quarantined rows where there are any. */
  v3: string;
  quarantined: string;
  ok: boolean;
  detail?: string;
}

/** Rows of a table on each side. */
export interface TableCounts {
  table: V2Table;
  target: string;
  v2: number;
  v3: number;
  quarantined: number;
  noted: number;
}

export interface Validation {
  tables: TableCounts[];
  checks: Check[];
  seconds: number;
}

/** Columns summed per table (a pair is summed as a product: a notional). The names are the same in v2 and v3. */
const SUMS: Record<V2Table, readonly (readonly string[])[]> = {
  orders: [['quantity'], ['filled_quantity'], ['price', 'quantity']],
  trades: [['quantity'], ['price', 'quantity'], ['fee']],
  balances: [['free'], ['locked'], ['total_balance_usd']],
  positions: [['quantity'], ['quantity', 'entry_price'], ['realized_pnl'], ['unrealized_pnl']],
  signals: [['quantity'], ['price', 'quantity']],
};

const migrated = (spec: TableSpec) => `${spec.target} WHERE original_id IS NOT NULL`;
const quarantinedRows = (spec: TableSpec) => `migration_quarantine WHERE table_name = '${spec.table}'`;

async function one(conn: Connection, query: string, params: unknown[] = []): Promise<Record<string, string | null>> {
  return (await conn.client.query<Record<string, string | null>>(query, params)).rows[0]!;
}

/**
 * The migration plan's checks, v2 against v3: rows per table (v2 = v3 + quarantined), orders per
 * status, the sum of `total_balance_usd` at the latest snapshot, every v2 row found by its key in v3
 * or in quarantine (the plan's check of trades by `original_id`, for every table), and the sums of
 * quantities and notionals per table. Reads both sides only.
 */
export async function validateMigration(source: Connection, target: Connection): Promise<Validation> {
  const started = performance.now();
  const tables: TableCounts[] = [];
  const checks: Check[] = [];
  for (const spec of TABLE_SPECS) {
    const v2 = await one(source, `SELECT count(*) AS n FROM ${spec.table}`);
    const v3 = await one(target, `SELECT count(*) AS n FROM ${migrated(spec)}`);
    const q = await one(target, `SELECT count(*) AS n FROM ${quarantinedRows(spec)}`);
    const noted = await one(target, `SELECT count(DISTINCT original_id) AS n FROM migration_notes WHERE table_name = $1`, [spec.table]);
    const counts = { table: spec.table, target: spec.target, v2: Number(v2.n), v3: Number(v3.n), quarantined: Number(q.n), noted: Number(noted.n) };
    tables.push(counts);
    checks.push(balanced(`rows of ${spec.table}`, String(counts.v2), String(counts.v3), String(counts.quarantined), counts.v2 === counts.v3 + counts.quarantined));
  }
  checks.push(...(await ordersPerStatus(source, target)));
  checks.push(await latestBalanceSnapshot(source, target));
  for (const spec of TABLE_SPECS) {
    const keys = await compareKeys(spec, source, target);
    checks.push({
      name: `v2 ${spec.table} with no v3 row by original_id`,
      v2: String(keys.v2),
      v3: String(keys.v3),
      quarantined: '',
      ok: keys.missing === 0 && keys.extra === 0,
      detail: keys.missing + keys.extra === 0 ? 'none' : `${keys.missing} missing, ${keys.extra} extra: ${keys.examples.join('; ')}`,
    });
  }
  for (const spec of TABLE_SPECS) checks.push(...(await sums(spec, source, target)));
  checks.push(...(await openPositions(source, target)));
  return { tables, checks, seconds: (performance.now() - started) / 1000 };
}

/**
 * v2's open positions against v3's: every open v2 row carried once or quarantined, and per exchange
 * and symbol, v2's open quantity (longs less shorts, as v3 reads the row's exchange and symbol) equal
 * to the position of the trader carrying it.
 */
async function openPositions(source: Connection, target: Connection): Promise<Check[]> {
  const quarantined = new Set(
    (await target.client.query<{ original_id: string }>(`SELECT original_id FROM migration_quarantine WHERE table_name = 'positions' AND row->>'closed_at' IS NULL`)).rows.map((r) => r.original_id),
  );
  const open = (await source.client.query<{ id: string; exchange: string | null; symbol: string | null; side: string; quantity: string }>(
    'SELECT id::text, exchange, symbol, side, quantity::text FROM positions WHERE closed_at IS NULL',
  )).rows.filter((r) => !quarantined.has(r.id));
  const carried = await one(target, `SELECT count(*) AS n, count(*) FILTER (WHERE h.closed_at IS NULL) AS open FROM migration_carried c JOIN position_history h USING (original_id)`);
  const checks = [
    balanced('v2 open positions carried as open v3 positions, each once', String(open.length + quarantined.size), carried.n ?? '0', String(quarantined.size), Number(carried.n) === open.length && carried.open === carried.n),
  ];
  const v2 = new Map<string, bigint>();
  for (const row of open) {
    const key = `${carrierId(exchange(row.exchange, 'exchange', []))} ${swapSymbol(symbol(row.symbol, 'symbol'))}`;
    const quantity = toFixed(row.quantity, 'quantity');
    v2.set(key, (v2.get(key) ?? 0n) + (row.side.trim().toLowerCase() === 'short' ? -quantity : quantity));
  }
  const v3 = new Map(
    (await target.client.query<{ key: string; quantity: string }>(`SELECT p.trader_id || ' ' || p.symbol AS key, p.quantity::text FROM positions p WHERE EXISTS (SELECT 1 FROM migration_carried c WHERE c.trader_id = p.trader_id AND c.symbol = p.symbol)`)).rows.map(
      (r) => [r.key, toFixed(r.quantity, 'quantity')] as const,
    ),
  );
  for (const key of [...new Set([...v2.keys(), ...v3.keys()])].sort()) {
    const [a, b] = [v2.get(key) ?? 0n, v3.get(key) ?? 0n];
    checks.push(balanced(`open position ${key} (longs - shorts)`, fixedToString(a), fixedToString(b), '', a === b));
  }
  return checks;
}

function balanced(name: string, v2: string, v3: string, quarantined: string, ok: boolean, detail?: string): Check {
  return { name, v2, v3, quarantined, ok, ...(detail ? { detail } : {}) };
}

async function ordersPerStatus(source: Connection, target: Connection): Promise<Check[]> {
  const count = async (conn: Connection, query: string) => {
    const out = new Map<string, number>();
    for (const row of (await conn.client.query<{ status: string | null; n: string }>(query)).rows) {
      // v2's spelling and case are read as v3 reads them; a status v3 has not stays as v2 wrote it.
      const status = row.status === null ? 'NULL' : (orderStatus(row.status) ?? row.status);
      out.set(status, (out.get(status) ?? 0) + Number(row.n));
    }
    return out;
  };
  const v2 = await count(source, 'SELECT status, count(*) AS n FROM orders GROUP BY status');
  const v3 = await count(target, 'SELECT status, count(*) AS n FROM orders WHERE original_id IS NOT NULL GROUP BY status');
  const q = await count(target, `SELECT row->>'status' AS status, count(*) AS n FROM migration_quarantine WHERE table_name = 'orders' GROUP BY 1`);
  const statuses = [...new Set([...v2.keys(), ...v3.keys(), ...q.keys()])].sort();
  return statuses.map((status) => {
    const [a, b, c] = [v2.get(status) ?? 0, v3.get(status) ?? 0, q.get(status) ?? 0];
    return balanced(`orders ${status}`, String(a), String(b), String(c), a === b + c);
  });
}

async function latestBalanceSnapshot(source: Connection, target: Connection): Promise<Check> {
  const v2 = await one(source, `SELECT max(timestamp)::text AS at, (SELECT sum(total_balance_usd) FROM balances WHERE timestamp = (SELECT max(timestamp) FROM balances)) AS usd FROM balances`);
  const v3 = await one(target, `SELECT sum(total_balance_usd) AS usd FROM balances WHERE original_id IS NOT NULL AND timestamp = ($1::timestamp AT TIME ZONE 'UTC')`, [v2.at]);
  const q = await one(target, `SELECT sum((row->>'total_balance_usd')::numeric) AS usd FROM migration_quarantine WHERE table_name = 'balances' AND row->>'timestamp' = $1`, [v2.at]);
  const name = `total_balance_usd at the latest snapshot${v2.at ? ` (${v2.at})` : ''}`;
  return balanced(name, v2.usd ?? '0', v3.usd ?? '0', q.usd ?? '0', sameDecimal(v2.usd ?? '0', addDecimals(v3.usd ?? null, q.usd ?? null)));
}

async function sums(spec: TableSpec, source: Connection, target: Connection): Promise<Check[]> {
  const columns = SUMS[spec.table];
  const expression = (read: (column: string) => string) => columns.map((cols, i) => `sum(${cols.map(read).join(' * ')}) AS s${i}`).join(', ');
  // The v2 side runs while the target answers its two, one after the other on its connection.
  const [v2, [v3, q]] = await Promise.all([
    one(source, `SELECT ${expression((c) => c)} FROM ${spec.table}`),
    (async () => [await one(target, `SELECT ${expression((c) => c)} FROM ${migrated(spec)}`), await one(target, `SELECT ${expression((c) => `(row->>'${c}')::numeric`)} FROM ${quarantinedRows(spec)}`)])(),
  ]);
  return columns.map((cols, i) => {
    const [a, b, c] = [v2[`s${i}`] ?? '0', v3[`s${i}`] ?? '0', q[`s${i}`] ?? '0'];
    return balanced(`sum of ${spec.table}.${cols.join(' * ')}`, a, b, c, sameDecimal(a, addDecimals(b, c)));
  });
}
