import { once } from 'node:events';
import type { Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Connection } from '../connect.js';
import { encodeRow, type Row } from './copy-text.js';

/** A column written by the migration: its name and the SQL type its text is read as. */
export type Column = readonly [name: string, type: string];

/**
 * Rows going into one table. `write` resolves once the rows are taken, so a reader that awaits it
 * never runs ahead of the database (backpressure); `end` resolves once every row is in.
 */
export interface RowWriter {
  write(rows: readonly Row[]): Promise<void>;
  end(): Promise<void>;
}

/** Rows per INSERT where the target does not take COPY. */
const INSERT_BATCH = 2_000;

/**
 * Opens a writer into `table`: `COPY ... FROM STDIN` in the text format where the server takes it,
 * else batched `INSERT ... SELECT FROM unnest(...)` (the embedded PGlite). Either runs inside
 * whatever transaction the connection has open.
 */
export function openRowWriter(conn: Connection, table: string, columns: readonly Column[]): RowWriter {
  return conn.pglite ? insertWriter(conn, table, columns) : copyWriter(conn, table, columns);
}

function copyWriter(conn: Connection, table: string, columns: readonly Column[]): RowWriter {
  const stream: Writable = conn.client.query(copyFrom(`COPY ${pg.escapeIdentifier(table)} (${columns.map(([name]) => pg.escapeIdentifier(name)).join(', ')}) FROM STDIN`));
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    stream.once('error', (error: Error) => {
      failure = error;
      reject(error);
    });
  });
  failed.catch(() => {});
  return {
    async write(rows) {
      if (failure) throw failure;
      let text = '';
      for (const row of rows) text += encodeRow(row);
      if (!stream.write(text)) await Promise.race([once(stream, 'drain'), failed]);
    },
    async end() {
      if (failure) throw failure;
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
    },
  };
}

function insertWriter(conn: Connection, table: string, columns: readonly Column[]): RowWriter {
  const names = columns.map(([name]) => pg.escapeIdentifier(name)).join(', ');
  const casts = columns.map(([name, type]) => `t.${pg.escapeIdentifier(name)}::${type}`).join(', ');
  const arrays = columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const text = `INSERT INTO ${pg.escapeIdentifier(table)} (${names}) SELECT ${casts} FROM unnest(${arrays}) AS t(${names})`;
  let pending: Row[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await conn.client.query(text, columns.map((_, i) => batch.map((row) => row[i] ?? null)));
  };
  return {
    async write(rows) {
      for (const row of rows) pending.push(row);
      if (pending.length >= INSERT_BATCH) await flush();
    },
    end: flush,
  };
}
