import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { MigrationError } from '../errors.js';
import { countRows, type TableShape } from './catalog.js';
import type { TableEntry } from './manifest.js';

/** The file of a table in a copy backup. */
export const copyFileOf = (table: string): string => `${table}.copy`;

/**
 * Writes each table to `DIR/<table>.copy` as `COPY (SELECT ... ORDER BY <pk>) TO STDOUT` sends it
 * (the text format, byte for byte), hashing it on the way. Run it inside one REPEATABLE READ
 * transaction: the counts and the files are then all of one snapshot.
 */
export async function writeCopyFiles(client: pg.Client, dir: string, tables: readonly TableShape[]): Promise<TableEntry[]> {
  const entries: TableEntry[] = [];
  for (const table of tables) {
    const rows = await countRows(client, table.name);
    const file = copyFileOf(table.name);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const columns = table.columns.map((column) => pg.escapeIdentifier(column.name)).join(', ');
    const order = table.primaryKey.map((name) => pg.escapeIdentifier(name)).join(', ');
    const stream = client.query(copyTo(`COPY (SELECT ${columns} FROM ${pg.escapeIdentifier(table.name)} ORDER BY ${order}) TO STDOUT`));
    await pipeline(stream, tap, createWriteStream(join(dir, file)));
    if (stream.rowCount !== rows) {
      throw new MigrationError('ERR_BACKUP', `${table.name}: COPY sent ${stream.rowCount} rows where the snapshot counts ${rows}`);
    }
    entries.push({ name: table.name, rows, columns: table.columns, file, sha256: hash.digest('hex'), bytes });
  }
  return entries;
}
