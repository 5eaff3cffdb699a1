import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backupV2 } from '../../../migrate/backup/backup.js';
import { hashFile, readManifest } from '../../../migrate/backup/manifest.js';
import { findPgTool } from '../../../migrate/backup/pg-tools.js';
import { MigrationError } from '../../../migrate/errors.js';
import { freshV2Database, withClient } from '../../helpers/v2-database.js';
import type { TestDatabaseServer } from '../../helpers/database.js';
import { backupDir, insertAwkwardRows, serverMajor, tableDigests } from './fixtures.js';
import { closedPort } from '../../helpers/ports.js';

let v2: TestDatabaseServer;
let major: number;
let pgDumpCanDump: boolean;

beforeAll(async () => {
  v2 = await freshV2Database(500);
  await insertAwkwardRows(v2.url);
  major = await serverMajor(v2.url);
  const tool = await findPgTool('pg_dump');
  pgDumpCanDump = tool !== undefined && tool.major >= major;
}, 120_000);

afterAll(async () => {
  await v2?.close();
});

describe('copy format', () => {
  test('writes one COPY file per v2 table and a manifest with the counts, columns and checksums, leaving v2 as it was', async () => {
    const before = await tableDigests(v2.url);
    const out = await backupDir();
    const result = await backupV2({ from: v2.url, out, format: 'copy' });
    expect(await tableDigests(v2.url)).toEqual(before);

    expect(result.format).toBe('copy');
    expect((await readdir(out)).sort()).toEqual(['balances.copy', 'manifest.json', 'orders.copy', 'positions.copy', 'signals.copy', 'trades.copy']);
    const manifest = await readManifest(out);
    expect(manifest).toEqual(result.manifest);
    expect(manifest).toMatchObject({ version: 1, format: 'copy', serverVersion: expect.stringMatching(new RegExp(`^${major}\\.`)) });
    expect(manifest.dump).toBeUndefined();
    expect(Date.parse(manifest.createdAt)).toBeGreaterThan(Date.now() - 600_000);
    expect(manifest.tables.map((table) => [table.name, table.rows])).toEqual(Object.entries(before).map(([name, digest]) => [name, digest.rows]));
    for (const table of manifest.tables) {
      expect(table.file).toBe(`${table.name}.copy`);
      expect(await hashFile(join(out, table.file!))).toEqual({ sha256: table.sha256, bytes: table.bytes });
      const text = await readFile(join(out, table.file!), 'utf8');
      expect(text === '' ? 0 : text.split('\n').length - 1).toBe(table.rows);
    }
    const orders = manifest.tables.find((table) => table.name === 'orders')!;
    expect(orders.columns.slice(0, 2)).toEqual([{ name: 'id', type: 'integer' }, { name: 'exchange', type: 'character varying' }]);
    expect(orders.columns.find((column) => column.name === 'created_at')).toEqual({ name: 'created_at', type: 'timestamp without time zone' });
    expect(manifest.tables.find((table) => table.name === 'signals')!.columns.find((column) => column.name === 'payload')).toEqual({ name: 'payload', type: 'jsonb' });
  });

  test('rows are written in primary-key order, COPY-escaped', async () => {
    const out = await backupDir();
    await backupV2({ from: v2.url, out, format: 'copy' });
    const ids = (await readFile(join(out, 'orders.copy'), 'utf8')).trimEnd().split('\n').map((line) => Number(line.split('\t')[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const trades = (await readFile(join(out, 'trades.copy'), 'utf8')).trimEnd().split('\n').map((line) => line.split('\t')[0]!);
    expect(trades).toEqual([...trades].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const orders = await readFile(join(out, 'orders.copy'), 'utf8');
    expect(orders).toContain('\tnew\\nline\\r\\nand carriage\\rreturn\t');
    expect(orders).toContain('\ttab\\there\t');
    expect(orders).toContain('\tback\\\\slash \\\\N \\\\t\t');
  });

  test('refuses a directory that already holds a backup, leaving it as it was', async () => {
    const out = await backupDir();
    await backupV2({ from: v2.url, out, format: 'copy' });
    const manifest = await readFile(join(out, 'manifest.json'), 'utf8');
    const error = await backupV2({ from: v2.url, out, format: 'copy' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'ERR_BACKUP', message: expect.stringContaining(`${out} already holds a backup`) });
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(manifest);
  });

  test('writes into an existing directory without a manifest (a failed attempt left in it is replaced)', async () => {
    const out = await backupDir();
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'orders.copy'), 'half a file');
    const result = await backupV2({ from: v2.url, out, format: 'copy' });
    expect(await hashFile(join(out, 'orders.copy'))).toMatchObject({ sha256: result.manifest.tables[0]!.sha256 });
  });
});

describe('choosing the format', () => {
  test('auto uses pg_dump where it can dump the server, else COPY, and says why', async () => {
    const out = await backupDir();
    const result = await backupV2({ from: v2.url, out });
    if (pgDumpCanDump) {
      expect(result.format).toBe('pg_dump');
      expect(result.reason).toMatch(new RegExp(`^pg_dump \\d+\\.\\d+ can dump PostgreSQL ${major}$`));
    } else {
      // PGlite reports PostgreSQL 18, newer than the pg_dump installed here.
      expect(result.format).toBe('copy');
      expect(result.reason).toMatch(/cannot dump a PostgreSQL \d+ server .*backed up with COPY instead$|not found on PATH/);
    }
    expect((await readManifest(out)).format).toBe(result.format);
  });

  test('auto falls back to COPY when pg_dump is not there; asking for pg_dump then is an error saying so', async () => {
    const result = await backupV2({ from: v2.url, out: await backupDir(), pgBinDir: '/nonexistent/bin' });
    expect(result).toMatchObject({ format: 'copy', reason: 'pg_dump was not found in /nonexistent/bin: backed up with COPY instead' });

    const out = await backupDir();
    await expect(backupV2({ from: v2.url, out, format: 'pg_dump', pgBinDir: '/nonexistent/bin' })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: 'cannot back up with pg_dump: pg_dump was not found in /nonexistent/bin; use format copy (or auto), which needs no client tools',
    });
    await expect(readManifest(out)).rejects.toThrow(/manifest.json is missing/);
  });

  test('asking for pg_dump where it cannot dump the server (PGlite: PostgreSQL 18) is an error saying why', async (ctx) => {
    if (pgDumpCanDump) ctx.skip();
    const tool = await findPgTool('pg_dump');
    if (!tool) ctx.skip();
    await expect(backupV2({ from: v2.url, out: await backupDir(), format: 'pg_dump' })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: `cannot back up with pg_dump: pg_dump ${tool!.version} cannot dump a PostgreSQL ${major} server (it needs pg_dump ${major} or newer); use format copy (or auto), which needs no client tools`,
    });
  });
});

describe('pg_dump format', () => {
  test('writes v2.dump and a manifest with the counts of the dumped snapshot and its checksum, leaving v2 as it was', async (ctx) => {
    if (!pgDumpCanDump) ctx.skip();
    const before = await tableDigests(v2.url);
    const out = await backupDir();
    const result = await backupV2({ from: v2.url, out, format: 'pg_dump' });
    expect(await tableDigests(v2.url)).toEqual(before);
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'v2.dump']);
    const manifest = await readManifest(out);
    expect(manifest).toEqual(result.manifest);
    expect(manifest.format).toBe('pg_dump');
    expect(manifest.dump).toEqual({ file: 'v2.dump', ...(await hashFile(join(out, 'v2.dump'))), pgDumpVersion: expect.stringMatching(/^\d+\.\d+/) });
    expect((await readFile(join(out, 'v2.dump'))).subarray(0, 5).toString()).toBe('PGDMP');
    expect(manifest.tables.map((table) => [table.name, table.rows, table.file])).toEqual(Object.entries(before).map(([name, digest]) => [name, digest.rows, undefined]));
  });
});

describe('the password of the URL', () => {
  test('is masked in the manifest (the local server and PGlite take any password, so a wrong one connects)', async () => {
    const url = new URL(v2.url);
    url.password = 'Wr0ng-Passw0rd';
    for (const format of pgDumpCanDump ? (['copy', 'pg_dump'] as const) : (['copy'] as const)) {
      const out = await backupDir();
      const result = await backupV2({ from: url.toString(), out, format });
      const text = await readFile(join(out, 'manifest.json'), 'utf8');
      expect(text).not.toContain('Wr0ng-Passw0rd');
      expect(result.manifest.source).toBe(url.toString().replace('Wr0ng-Passw0rd', '***'));
    }
  });

  test('never shows in an error: a server that is not there', async () => {
    const url = `postgres://postgres:Wr0ng-Passw0rd@127.0.0.1:${await closedPort()}/bot_trading_v2`;
    const error = (await backupV2({ from: url, out: await backupDir() }).catch((e: unknown) => e)) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.code).toBe('ERR_MIGRATION_SOURCE');
    expect(error.message).toMatch(/^cannot connect to the v2 database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/bot_trading_v2: .*ECONNREFUSED/);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain('Wr0ng-Passw0rd');
  });

  test('never shows in an error: a wrong password for a database the local server does not have', async (ctx) => {
    if (!process.env.TEST_DATABASE_URL) ctx.skip();
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.password = 'Wr0ng-Passw0rd';
    url.pathname = '/botv3_no_such_database';
    for (const format of ['copy', 'pg_dump', 'auto'] as const) {
      const error = (await backupV2({ from: url.toString(), out: await backupDir(), format }).catch((e: unknown) => e)) as MigrationError;
      expect(error).toBeInstanceOf(MigrationError);
      expect(error.message).toMatch(/database "botv3_no_such_database" does not exist/);
      expect(error.message).toContain('postgres:***@');
      expect(`${error.message}\n${error.stack}`).not.toContain('Wr0ng-Passw0rd');
    }
  });

  test('a URL that is not postgres:// is refused by name', async () => {
    await expect(backupV2({ from: 'mysql://root:hunter2@db/v2', out: await backupDir() })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: 'the v2 URL is not a URL such as postgres://user@host:5432/database',
    });
  });
});

test('a backup reads v2 in a read-only session: the source database sees no write', async () => {
  const before = await withClient(v2.url, async (client) => (await client.query<{ last_value: string }>('SELECT last_value FROM orders_id_seq')).rows[0]!.last_value);
  await backupV2({ from: v2.url, out: await backupDir(), format: 'copy' });
  const after = await withClient(v2.url, async (client) => (await client.query<{ last_value: string }>('SELECT last_value FROM orders_id_seq')).rows[0]!.last_value);
  expect(after).toBe(before);
});
