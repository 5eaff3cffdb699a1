import pg from 'pg';
import { redactUrl } from '../../adapters/database/url.js';
import { openTarget, type Connection } from '../connect.js';
import { CheckFailure, fail, oneLine, pass, reasonOf, type Outcome } from './row.js';

/** The tables counted, in the order the detail lists them. */
export const COUNTED_TABLES = ['orders', 'trades', 'balances', 'positions', 'position_history', 'signals'] as const;

interface TableInfo {
  name: string;
  present: boolean;
  /** Whether it has `original_id` (rows migrated from v2 carry their v2 id there). */
  migratable: boolean;
}

interface Counts {
  rows: number;
  migrated: number | undefined;
}

/**
 * 4. The v3 database at `url`: row counts of the trading tables and how many came from v2 (`original_id`
 * set), the rows in quarantine, and the latest `migrate run`, which must be `done`. A database without
 * any migration run fails. Connecting and counting share `timeoutMs`; the URL shows with its password masked.
 */
export async function checkTableCounts(url: string, timeoutMs: number): Promise<Outcome> {
  if (!url) return fail('no database URL (--db postgres://user@host:5432/db)');
  let where: string;
  try {
    where = redactUrl(url);
  } catch (error) {
    return fail(`--db: ${error instanceof Error ? error.message.replace(/^DATABASE_URL: /, '') : String(error)}`);
  }
  let timedOut = false;
  let conn: Connection | undefined;
  const opening = openTarget(url);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new CheckFailure(`${where}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    conn = await Promise.race([opening, deadline]);
    return await Promise.race([inspect(conn.client), deadline]);
  } catch (error) {
    if (error instanceof CheckFailure) return fail(error.message);
    // openTarget's message names the database with its password masked; a query's does not name it.
    const reason = reasonOf(error);
    return fail(reason.includes(where) ? reason : `${where}: ${reason}`);
  } finally {
    clearTimeout(timer);
    if (conn) await closeQuietly(conn, timedOut);
    // A connection that arrives after the timeout is closed as soon as it does.
    else void opening.then((late) => closeQuietly(late, false), () => {});
  }
}

/** Closes `conn`; one stuck on a query that timed out is not waited for. */
async function closeQuietly(conn: Connection, stuck: boolean): Promise<void> {
  const closing = conn.close().catch(() => {});
  if (!stuck) await closing;
}

async function inspect(client: pg.Client): Promise<Outcome> {
  const tables = await tableInfo(client, [...COUNTED_TABLES, 'migration_runs', 'migration_quarantine']);
  const counted = tables.filter((t) => (COUNTED_TABLES as readonly string[]).includes(t.name));
  const counts = await countRows(client, counted);
  const parts = counted.map((t) => {
    const c = counts.get(t.name);
    if (!c) return `${t.name} missing`;
    return c.migrated !== undefined ? `${t.name} ${c.rows} (${c.migrated} migrated)` : `${t.name} ${c.rows}`;
  });
  const migrated = [...counts.values()].reduce((sum, c) => sum + (c.migrated ?? 0), 0);
  const has = (name: string) => tables.some((t) => t.name === name && t.present);
  const quarantined = has('migration_quarantine') ? await scalar(client, 'SELECT count(*)::int AS n FROM migration_quarantine') : 0;
  const tally = `${parts.join(', ')}; ${migrated} migrated rows, ${quarantined} quarantined`;

  if (!has('migration_runs')) return fail(`no migration run in this database (no migration_runs table); ${tally}`);
  const runs = await scalar(client, 'SELECT count(*)::int AS n FROM migration_runs');
  if (runs === 0) return fail(`no migration run in this database; ${tally}`);
  const { rows } = await client.query<Record<string, unknown>>('SELECT * FROM migration_runs ORDER BY id DESC LIMIT 1');
  const latest = rows[0]!;
  const run = `latest migration run #${String(latest.id)} of ${runs}`;
  if (latest.status !== 'done') {
    const error = typeof latest.error === 'string' && latest.error ? ` (${oneLine(latest.error, 120)})` : '';
    return fail(`${run} is ${String(latest.status)}${error}; ${tally}`);
  }
  return pass(`${run} done; ${tally}`);
}

/** Which of `names` exist (on the search path) and which have `original_id`. */
async function tableInfo(client: pg.Client, names: string[]): Promise<TableInfo[]> {
  const { rows } = await client.query<{ name: string; present: boolean; migratable: boolean }>(
    `SELECT t.name, to_regclass(t.name) IS NOT NULL AS present,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass(t.name) AND a.attname = 'original_id' AND NOT a.attisdropped) AS migratable
       FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
      ORDER BY t.n`,
    [names],
  );
  return rows;
}

/** Rows of each present table, and of those with `original_id`, how many have it set; one query. */
async function countRows(client: pg.Client, tables: TableInfo[]): Promise<Map<string, Counts>> {
  const present = tables.filter((t) => t.present);
  const counts = new Map<string, Counts>();
  if (present.length === 0) return counts;
  const columns = present.flatMap((t, i) => [
    `(SELECT count(*) FROM ${pg.escapeIdentifier(t.name)})::bigint AS r${i}`,
    ...(t.migratable ? [`(SELECT count(*) FROM ${pg.escapeIdentifier(t.name)} WHERE original_id IS NOT NULL)::bigint AS m${i}`] : []),
  ]);
  const { rows } = await client.query<Record<string, string>>(`SELECT ${columns.join(', ')}`);
  const row = rows[0]!;
  present.forEach((t, i) => counts.set(t.name, { rows: Number(row[`r${i}`]), migrated: t.migratable ? Number(row[`m${i}`]) : undefined }));
  return counts;
}

async function scalar(client: pg.Client, text: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(text);
  return Number(rows[0]?.n ?? 0);
}
