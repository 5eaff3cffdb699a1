import { join } from 'node:path';
import { openTarget, type Connection } from '../connect.js';
import { MigrationError } from '../errors.js';
import { V2_TABLES } from '../v2/schema.js';
import { countRows, existingTables } from './catalog.js';
import { loadCopyBackup, type TableCount } from './copy-restore.js';
import { urlSecrets } from '../secrets.js';
import { asMigrationError, checkUrl } from './credentials.js';
import { readManifest, verifyFiles, type BackupFormat, type Manifest } from './manifest.js';
import { findPgTool, pgRestore, whereLooked } from './pg-tools.js';

export interface RestoreOptions {
  /** The backup directory (with its `manifest.json`). */
  from: string;
  /** The database to restore v2 into. */
  to: string;
  /** Replace v2's tables where the target already has them (with rows, for a copy backup). */
  clean?: boolean;
  /** Where pg_restore is, when not on PATH. */
  pgBinDir?: string;
}

export interface RestoreResult {
  format: BackupFormat;
  /** The target URL, password masked. */
  target: string;
  /** Each v2 table's rows after the restore (equal to the backup's). */
  tables: TableCount[];
  durationMs: number;
}

/**
 * Restores a backup of `backupV2` into `to`. Every file is checked against the manifest's checksums
 * before the target is touched; the restore is one transaction either way, and ends by comparing
 * each table's rows with the manifest.
 */
export async function restoreV2(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const secrets = urlSecrets(options.to);
  try {
    checkUrl(options.to, 'the target URL');
    const manifest = await readManifest(options.from);
    await verifyFiles(options.from, manifest);
    const clean = options.clean ?? false;
    const { target, tables } = manifest.format === 'copy' ? await restoreCopy(options, manifest, clean) : await restoreDump(options, manifest, clean);
    return { format: manifest.format, target, tables, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    throw asMigrationError(error, 'restore of the v2 backup failed', secrets);
  }
}

async function restoreCopy(options: RestoreOptions, manifest: Manifest, clean: boolean): Promise<{ target: string; tables: TableCount[] }> {
  const conn = await openTarget(options.to);
  try {
    return { target: conn.where, tables: await loadCopyBackup(conn, options.from, manifest, clean) };
  } finally {
    await conn.close();
  }
}

async function restoreDump(options: RestoreOptions, manifest: Manifest, clean: boolean): Promise<{ target: string; tables: TableCount[] }> {
  const dump = manifest.dump!;
  const tool = await findPgTool('pg_restore', options.pgBinDir);
  if (!tool) throw new MigrationError('ERR_BACKUP', `this backup is a pg_dump archive and pg_restore was not found ${whereLooked(options.pgBinDir)}`);
  const dumpMajor = dump.pgDumpVersion ? parseInt(dump.pgDumpVersion, 10) : undefined;
  if (dumpMajor !== undefined && tool.major < dumpMajor) {
    throw new MigrationError('ERR_BACKUP', `pg_restore ${tool.version} cannot read an archive of pg_dump ${dump.pgDumpVersion}: it needs pg_restore ${dumpMajor} or newer`);
  }
  // The target is checked, then left alone while pg_restore has it (an embedded server takes one client).
  const target = await withTarget(options.to, async (conn) => {
    const existing = await existingTables(conn.client, V2_TABLES);
    if (existing.length > 0 && !clean) {
      throw new MigrationError('ERR_BACKUP', `${conn.where} already has v2's tables (${existing.join(', ')}): restore into an empty database, or clean to drop and replace them`);
    }
    return conn.where;
  });
  await pgRestore(tool, options.to, join(options.from, dump.file), clean);
  const tables = await withTarget(options.to, async (conn) => {
    const counts: TableCount[] = [];
    for (const table of manifest.tables) counts.push({ name: table.name, rows: await countRows(conn.client, table.name) });
    return counts;
  });
  const wrong = manifest.tables.filter((table, i) => tables[i]!.rows !== table.rows);
  if (wrong.length > 0) {
    const detail = wrong.map((table) => `${table.name} has ${tables.find((t) => t.name === table.name)!.rows} rows, the backup ${table.rows}`).join('; ');
    throw new MigrationError('ERR_BACKUP', `pg_restore finished but the row counts differ from the backup's: ${detail}`);
  }
  return { target, tables };
}

async function withTarget<T>(url: string, use: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await openTarget(url);
  try {
    return await use(conn);
  } finally {
    await conn.close();
  }
}
