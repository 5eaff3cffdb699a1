import pg from 'pg';
import { MigrationError } from '../errors.js';
import { V2_TABLES, type V2Table } from '../v2/schema.js';

/** A column as the manifest records it: its name and a SQL type its text can be cast to. */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** What a backup needs to know of a table: its columns in order and its primary key (the row order). */
export interface TableShape {
  name: V2Table;
  columns: ColumnInfo[];
  primaryKey: string[];
}


/** Which of `names` exist as tables in the connection's current schema. */
export async function existingTables(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name = ANY($1::text[])`,
    [names],
  );
  const found = new Set(rows.map((row) => row.table_name));
  return names.filter((name) => found.has(name));
}

/**
 * The columns (from `information_schema`, in table order) and primary key of each of v2's tables. A
 * type is `data_type` (`numeric`, `timestamp without time zone`, ...), or the type's own name where
 * `data_type` names a kind rather than a type (`USER-DEFINED`, `ARRAY`).
 */
export async function describeTables(client: pg.Client, names: readonly V2Table[] = V2_TABLES): Promise<TableShape[]> {
  const present = new Set(await existingTables(client, names));
  const absent = names.filter((name) => !present.has(name));
  if (absent.length > 0) throw new MigrationError('ERR_BACKUP', `the v2 database has no table ${absent.join(', ')}: is it v2's database?`);
  const { rows } = await client.query<{ table_name: V2Table; column_name: string; data_type: string; udt_name: string }>(
    `SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
      ORDER BY table_name, ordinal_position`,
    [names],
  );
  const keys = await client.query<{ table_name: V2Table; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND c.relname = ANY($1::text[])
      ORDER BY c.relname, k.position`,
    [names],
  );
  return names.map((name) => {
    const columns = rows
      .filter((row) => row.table_name === name)
      .map((row) => ({ name: row.column_name, type: row.data_type === 'USER-DEFINED' || row.data_type === 'ARRAY' ? row.udt_name : row.data_type }));
    const primaryKey = keys.rows.filter((row) => row.table_name === name).map((row) => row.column_name);
    // Without a primary key every column orders the rows, which is as deterministic as it gets.
    return { name, columns, primaryKey: primaryKey.length > 0 ? primaryKey : columns.map((column) => column.name) };
  });
}

/** The number of rows in `table`. */
export async function countRows(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${pg.escapeIdentifier(table)}`);
  return Number(rows[0]!.count);
}
