import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { openSource } from '../connect.js';
import { MigrationError } from '../errors.js';
import { describeTables, countRows } from './catalog.js';
import { writeCopyFiles } from './copy-backup.js';
import { urlSecrets } from '../secrets.js';
import { asMigrationError, checkUrl } from './credentials.js';
import { hasManifest, hashFile, MANIFEST_FILE, writeManifest, type BackupFormat, type Manifest, type TableEntry } from './manifest.js';
import { findPgTool, pgDump, pgDumpUnusable, type PgTool } from './pg-tools.js';

/** The file of a pg_dump backup. */
export const DUMP_FILE = 'v2.dump';

export interface BackupOptions {
  /** v2's database URL. It is only read: the session is read-only. */
  from: string;
  /** The backup directory; created if need be, refused if it already holds a backup. */
  out: string;
  /**
   * `pg_dump`: a custom-format dump (needs pg_dump at least as new as the server). `copy`: one COPY
   * text file per v2 table, needing nothing installed. `auto` (the default): pg_dump where it can, else copy.
   */
  format?: 'auto' | BackupFormat;
  /** Where pg_dump is, when not on PATH. */
  pgBinDir?: string;
}

export interface BackupResult {
  dir: string;
  format: BackupFormat;
  /** Why this format (for `auto`: whether pg_dump could be used). */
  reason: string;
  manifest: Manifest;
  durationMs: number;
}

/**
 * Backs up v2's database into `out` and writes `out/manifest.json` last, so a directory with a
 * manifest holds a complete backup. Counts and data are one snapshot: a REPEATABLE READ READ ONLY
 * transaction, which pg_dump joins through its exported snapshot.
 */
export async function backupV2(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const secrets = urlSecrets(options.from);
  try {
    checkUrl(options.from, 'the v2 URL');
    if (await hasManifest(options.out)) {
      throw new MigrationError('ERR_BACKUP', `${options.out} already holds a backup (${MANIFEST_FILE}): choose another directory or remove it`);
    }
    await mkdir(options.out, { recursive: true });
    const conn = await openSource(options.from);
    let manifest: Manifest;
    let reason: string;
    try {
      const { client } = conn;
      // A fixed text form for what COPY writes, and no server-side limit cutting a long backup short.
      await client.query(`SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0`);
      const server = await serverVersion(client);
      const choice = await chooseFormat(options.format ?? 'auto', server.major, options.pgBinDir);
      reason = choice.reason;
      const header = { version: 1 as const, format: choice.format, createdAt: new Date().toISOString(), source: conn.where, serverVersion: server.version };
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const shapes = await describeTables(client);
        if (choice.tool) {
          const tables: TableEntry[] = [];
          for (const shape of shapes) tables.push({ name: shape.name, rows: await countRows(client, shape.name), columns: shape.columns });
          const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
          await pgDump(choice.tool, options.from, join(options.out, DUMP_FILE), rows[0]!.snapshot);
          const dump = { file: DUMP_FILE, ...(await hashFile(join(options.out, DUMP_FILE))), pgDumpVersion: choice.tool.version };
          manifest = { ...header, tables, dump };
        } else {
          manifest = { ...header, tables: await writeCopyFiles(client, options.out, shapes) };
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      await conn.close();
    }
    await writeManifest(options.out, manifest);
    return { dir: options.out, format: manifest.format, reason, manifest, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    throw asMigrationError(error, 'backup of the v2 database failed', secrets);
  }
}

/** The server's version as it reports it (`15.20 (Debian ...)`) and its major (15). */
async function serverVersion(client: pg.Client): Promise<{ version: string; major: number }> {
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  const num = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return { version: rows[0]!.server_version, major: Math.floor(Number(num.rows[0]!.server_version_num) / 10_000) };
}

/** The format to write, the pg_dump to run for it, and why. */
async function chooseFormat(requested: 'auto' | BackupFormat, serverMajor: number, binDir: string | undefined): Promise<{ format: BackupFormat; tool?: PgTool; reason: string }> {
  if (requested === 'copy') return { format: 'copy', reason: 'format copy was asked for' };
  const tool = await findPgTool('pg_dump', binDir);
  const unusable = pgDumpUnusable(tool, serverMajor, binDir);
  if (!unusable) return { format: 'pg_dump', tool: tool!, reason: `pg_dump ${tool!.version} can dump PostgreSQL ${serverMajor}` };
  if (requested === 'pg_dump') throw new MigrationError('ERR_BACKUP', `cannot back up with pg_dump: ${unusable}; use format copy (or auto), which needs no client tools`);
  return { format: 'copy', reason: `${unusable}: backed up with COPY instead` };
}
