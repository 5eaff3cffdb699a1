import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Connection } from '../connect.js';
import { copyRows } from '../data/copy-text.js';
import { openRowWriter } from '../data/sink.js';
import { MigrationError } from '../errors.js';
import { V2_TABLES } from '../v2/schema.js';
import { countRows, existingTables } from './catalog.js';
import type { Manifest, TableEntry } from './manifest.js';

/** v2's schema, created on a target that has none of its tables. */
const V2_SCHEMA = new URL('../v2/schema.sql', import.meta.url);

/** A table as restored: its rows, counted once loaded. */
export interface TableCount {
  name: string;
  rows: number;
}

/**
 * Loads a copy backup into `conn`'s database in one transaction: v2's schema is created when none of
 * its tables exist; tables holding rows are refused unless `clean` (then emptied); each table is
 * loaded (`orders` before `trades`, which references it), each serial sequence set past the highest
 * id, and the row counts compared with the manifest. Any failure rolls everything back.
 */
export async function loadCopyBackup(conn: Connection, dir: string, manifest: Manifest, clean: boolean): Promise<TableCount[]> {
  const { client } = conn;
  // How the files were written (see backup.ts): dates in ISO order.
  await client.query(`SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'`);
  await client.query('BEGIN');
  try {
    await prepareTables(client, conn.where, clean);
    const ordered = V2_TABLES.map((name) => manifest.tables.find((table) => table.name === name)).filter((table): table is TableEntry => table !== undefined);
    for (const table of ordered) await loadTable(conn, dir, table);
    for (const table of ordered) await resetSequences(client, table.name);
    const counts: TableCount[] = [];
    for (const table of ordered) {
      const rows = await countRows(client, table.name);
      if (rows !== table.rows) throw new MigrationError('ERR_BACKUP', `${table.name}: ${rows} rows restored where the backup holds ${table.rows}; nothing was restored`);
      counts.push({ name: table.name, rows });
    }
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Creates v2's tables on an empty target, or checks (and with `clean` empties) the ones it has. */
async function prepareTables(client: pg.Client, where: string, clean: boolean): Promise<void> {
  const existing = await existingTables(client, V2_TABLES);
  if (existing.length === 0) {
    await client.query(await readFile(V2_SCHEMA, 'utf8'));
    return;
  }
  if (existing.length < V2_TABLES.length) {
    const missing = V2_TABLES.filter((name) => !existing.includes(name));
    throw new MigrationError('ERR_BACKUP', `${where} has some of v2's tables (${existing.join(', ')}) but not ${missing.join(', ')}: restore into an empty database or one with all of v2's tables`);
  }
  const holding: string[] = [];
  for (const name of V2_TABLES) {
    const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${pg.escapeIdentifier(name)}) AS any`);
    if (rows[0]!.any) holding.push(name);
  }
  if (holding.length === 0) return;
  if (!clean) throw new MigrationError('ERR_BACKUP', `${where} already holds v2 data (in ${holding.join(', ')}): restore into an empty database, or clean to empty v2's tables first`);
  await client.query(`TRUNCATE ${V2_TABLES.map((name) => pg.escapeIdentifier(name)).join(', ')}`);
}

async function loadTable(conn: Connection, dir: string, table: TableEntry): Promise<void> {
  const writer = openRowWriter(conn, table.name, table.columns.map((column) => [column.name, column.type] as const));
  // Read as UTF-8 text: the decoder keeps a character cut by a chunk boundary whole.
  const stream = createReadStream(join(dir, table.file!), { encoding: 'utf8' });
  try {
    for await (const rows of copyRows(stream)) await writer.write(rows);
    await writer.end();
  } catch (cause) {
    stream.destroy();
    // Leaves the connection out of a COPY that a failed read would leave open (the rows go with the rollback).
    await writer.end().catch(() => {});
    throw new MigrationError('ERR_BACKUP', `${table.name}: loading ${table.file} failed: ${(cause as Error).message}; nothing was restored`, { cause });
  }
}

/** Sets each serial (or identity) sequence of `table` so the next value follows the highest one restored. */
async function resetSequences(client: pg.Client, table: string): Promise<void> {
  const { rows } = await client.query<{ column: string; sequence: string | null }>(
    `SELECT a.attname AS column, pg_get_serial_sequence($1, a.attname) AS sequence
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [pg.escapeIdentifier(table)],
  );
  for (const { column, sequence } of rows) {
    if (!sequence) continue;
    await client.query(`SELECT setval($1, coalesce(max(${pg.escapeIdentifier(column)}), 1), max(${pg.escapeIdentifier(column)}) IS NOT NULL) FROM ${pg.escapeIdentifier(table)}`, [sequence]);
  }
}
