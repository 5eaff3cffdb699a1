import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { backupV2 } from '../../../migrate/backup/backup.js';
import { restoreV2 } from '../../../migrate/backup/restore.js';
import { findPgTool } from '../../../migrate/backup/pg-tools.js';
import { MigrationError } from '../../../migrate/errors.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { freshV2Database, runSql, withClient } from '../../helpers/v2-database.js';
import { AWKWARD_TEXTS, backupDir, insertAwkwardRows, serverMajor, tableDigests, v2TablesOn } from './fixtures.js';
import { closedPort } from '../../helpers/ports.js';

let v2: TestDatabaseServer;
let digests: Awaited<ReturnType<typeof tableDigests>>;
let copyBackup: string;
let pgDumpCanDump: boolean;
const targets: TestDatabaseServer[] = [];

/** A fresh, empty database, closed after the test. */
async function emptyTarget(): Promise<string> {
  const target = await freshDatabaseServer();
  targets.push(target);
  return target.url;
}

beforeAll(async () => {
  v2 = await freshV2Database(500);
  await insertAwkwardRows(v2.url);
  digests = await tableDigests(v2.url);
  copyBackup = await backupDir();
  await backupV2({ from: v2.url, out: copyBackup, format: 'copy' });
  const tool = await findPgTool('pg_dump');
  pgDumpCanDump = tool !== undefined && tool.major >= (await serverMajor(v2.url));
}, 120_000);

afterEach(async () => {
  for (const target of targets.splice(0)) await target.close();
});

afterAll(async () => {
  await v2?.close();
});

/** A copy of the backup in `dir`, to damage. */
async function copyOf(dir: string): Promise<string> {
  const copy = await backupDir();
  await cp(dir, copy, { recursive: true });
  return copy;
}

const insertOrder = `INSERT INTO orders (exchange, symbol, side, type, quantity, status, created_at)
  VALUES ('okx', 'BTC-USDT', 'sell', 'market', 0.5, 'new', '2024-06-01 12:00:00') RETURNING id`;

describe('copy format', () => {
  test('restores into an empty database v2 exactly: every table, every value, with the counts of the manifest', async () => {
    const to = await emptyTarget();
    const result = await restoreV2({ from: copyBackup, to });
    expect(result.format).toBe('copy');
    expect(result.tables).toEqual(Object.entries(digests).map(([name, digest]) => ({ name, rows: digest.rows })));
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(await tableDigests(to)).toEqual(digests);
    expect(digests.orders!.rows).toBeGreaterThan(500);
  });

  test('tabs, backslashes, newlines, unicode, NULLs and long multi-byte text come back as they were', async () => {
    const to = await emptyTarget();
    await restoreV2({ from: copyBackup, to });
    await withClient(to, async (client) => {
      const orders = await client.query<{ strategy: string | null; price: string | null; exchange_order_id: string | null; created_at: Date }>(
        `SELECT strategy, price, exchange_order_id, created_at FROM orders WHERE created_at = '2024-02-29 23:59:59.999999' ORDER BY id`,
      );
      expect(orders.rows.map((row) => row.strategy)).toEqual([...AWKWARD_TEXTS, null]);
      expect(orders.rows.every((row) => row.price === null && row.exchange_order_id === null)).toBe(true);
      const signals = await client.query<{ payload: unknown; quantity: string | null; confidence: number | null }>(
        `SELECT payload, quantity, confidence FROM signals WHERE created_at = '2024-03-01 00:00:00' ORDER BY id`,
      );
      expect(signals.rows.map((row) => row.payload)).toEqual([...AWKWARD_TEXTS.map((text) => ({ text, nested: [text, { again: text }] })), null]);
      expect(signals.rows.every((row) => row.quantity === null && row.confidence === null)).toBe(true);
      const long = await client.query<{ payload: { text: string } }>(`SELECT payload FROM signals WHERE strategy = 'long'`);
      expect(long.rows[0]!.payload.text).toBe('€'.repeat(150_000) + '𝄞'.repeat(20_000));
    });
  });

  test('serial sequences continue after the highest id restored, so v2 can go on inserting', async () => {
    const to = await emptyTarget();
    await restoreV2({ from: copyBackup, to });
    await withClient(to, async (client) => {
      const { rows } = await client.query<{ max: number }>('SELECT max(id) AS max FROM orders');
      expect((await client.query<{ id: number }>(insertOrder)).rows[0]!.id).toBe(rows[0]!.max + 1);
      for (const table of ['balances', 'positions', 'signals']) {
        const { rows: next } = await client.query<{ next: string; max: number }>(`SELECT nextval(pg_get_serial_sequence('${table}', 'id')) AS next, (SELECT max(id) FROM ${table}) AS max`);
        expect(Number(next[0]!.next)).toBe(next[0]!.max + 1);
      }
    });
  });

  test('a damaged file is refused, naming it, before the target is touched', async () => {
    const damaged = await copyOf(copyBackup);
    const file = join(damaged, 'trades.copy');
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(file, bytes);
    const to = await emptyTarget();
    const error = (await restoreV2({ from: damaged, to }).catch((e: unknown) => e)) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'ERR_BACKUP', message: expect.stringMatching(new RegExp(`^the backup file ${file} does not match the manifest \\(sha256 [0-9a-f]{64}, ${bytes.length} bytes; expected`)) });
    expect(await v2TablesOn(to)).toEqual([]);
  });

  test('a missing file is refused, naming it', async () => {
    const damaged = await copyOf(copyBackup);
    await writeFile(join(damaged, 'signals.copy'), '');
    await expect(restoreV2({ from: damaged, to: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(`the backup file ${join(damaged, 'signals.copy')} does not match the manifest`);
  });

  test('counts that differ from the manifest are an error, and the restore is rolled back whole', async () => {
    const edited = await copyOf(copyBackup);
    const manifest = JSON.parse(await readFile(join(edited, 'manifest.json'), 'utf8')) as { tables: { name: string; rows: number }[] };
    manifest.tables.find((table) => table.name === 'positions')!.rows += 1;
    await writeFile(join(edited, 'manifest.json'), JSON.stringify(manifest));
    const to = await emptyTarget();
    await expect(restoreV2({ from: edited, to })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: `positions: ${digests.positions!.rows} rows restored where the backup holds ${digests.positions!.rows + 1}; nothing was restored`,
    });
    expect(await v2TablesOn(to)).toEqual([]);
  });

  test('a database whose v2 tables hold rows is refused without clean, and replaced with clean', async () => {
    const to = await emptyTarget();
    await restoreV2({ from: copyBackup, to });
    await withClient(to, (client) => client.query(insertOrder));
    const changed = await tableDigests(to);

    const error = (await restoreV2({ from: copyBackup, to }).catch((e: unknown) => e)) as MigrationError;
    expect(error).toMatchObject({ code: 'ERR_BACKUP', message: expect.stringMatching(/already holds v2 data \(in orders, trades, balances, positions, signals\): restore into an empty database, or clean to empty v2's tables first$/) });
    expect(await tableDigests(to)).toEqual(changed);

    const result = await restoreV2({ from: copyBackup, to, clean: true });
    expect(result.tables.map((table) => table.rows)).toEqual(Object.values(digests).map((digest) => digest.rows));
    expect(await tableDigests(to)).toEqual(digests);
  });

  test('loads into v2 tables that exist but are empty, without clean', async () => {
    const to = await emptyTarget();
    await runSql(to, await readFile(new URL('../../../migrate/v2/schema.sql', import.meta.url), 'utf8'));
    await restoreV2({ from: copyBackup, to });
    expect(await tableDigests(to)).toEqual(digests);
  });

  test('a table that cannot take the rows fails the restore, rolled back whole', async () => {
    const to = await emptyTarget();
    await runSql(to, await readFile(new URL('../../../migrate/v2/schema.sql', import.meta.url), 'utf8'));
    await runSql(to, 'ALTER TABLE signals DROP COLUMN payload');
    await expect(restoreV2({ from: copyBackup, to })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: expect.stringMatching(/^signals: loading signals\.copy failed: .*column "payload" .*does not exist.*; nothing was restored$/),
    });
    await withClient(to, async (client) => {
      for (const table of ['orders', 'trades', 'balances', 'positions', 'signals']) expect((await client.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount).toBe(0);
    });
  });

  test('a database with only some of v2 tables is refused', async () => {
    const to = await emptyTarget();
    await runSql(to, 'CREATE TABLE orders (id SERIAL PRIMARY KEY)');
    await expect(restoreV2({ from: copyBackup, to, clean: true })).rejects.toThrow(/has some of v2's tables \(orders\) but not trades, balances, positions, signals/);
  });

  test('a directory without a backup, or with a manifest that is not one, is refused', async () => {
    await expect(restoreV2({ from: await backupDir(), to: 'postgres://postgres@127.0.0.1:1/x' })).rejects.toMatchObject({ code: 'ERR_BACKUP', message: expect.stringMatching(/holds no backup: manifest.json is missing$/) });
  });

  test('the password of the target never shows in an error', async () => {
    const to = `postgres://postgres:Wr0ng-Passw0rd@127.0.0.1:${await closedPort()}/v2_restore`;
    const error = (await restoreV2({ from: copyBackup, to }).catch((e: unknown) => e)) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toMatch(/^cannot connect to the v3 database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/v2_restore: /);
    expect(`${error.message}\n${error.stack}`).not.toContain('Wr0ng-Passw0rd');
  });
});

describe('pg_dump format (a server pg_dump can dump)', () => {
  let dumpBackup: string;

  beforeAll(async () => {
    if (!pgDumpCanDump) return;
    dumpBackup = await backupDir();
    await backupV2({ from: v2.url, out: dumpBackup, format: 'pg_dump' });
  }, 60_000);

  test('restores into an empty database v2 exactly, sequences included', async (ctx) => {
    if (!pgDumpCanDump) ctx.skip();
    const to = await emptyTarget();
    const result = await restoreV2({ from: dumpBackup, to });
    expect(result.format).toBe('pg_dump');
    expect(result.tables).toEqual(Object.entries(digests).map(([name, digest]) => ({ name, rows: digest.rows })));
    expect(await tableDigests(to)).toEqual(digests);
    await withClient(to, async (client) => {
      const { rows } = await client.query<{ max: number }>('SELECT max(id) AS max FROM orders');
      expect((await client.query<{ id: number }>(insertOrder)).rows[0]!.id).toBe(rows[0]!.max + 1);
    });
  });

  test('a database that has v2 tables is refused without clean, and replaced with clean', async (ctx) => {
    if (!pgDumpCanDump) ctx.skip();
    const to = await emptyTarget();
    await restoreV2({ from: copyBackup, to });
    await withClient(to, (client) => client.query(insertOrder));
    await expect(restoreV2({ from: dumpBackup, to })).rejects.toThrow(/already has v2's tables \(orders, trades, balances, positions, signals\): restore into an empty database, or clean to drop and replace them$/);
    await restoreV2({ from: dumpBackup, to, clean: true });
    expect(await tableDigests(to)).toEqual(digests);
  });

  test('a damaged dump is refused before pg_restore runs', async (ctx) => {
    if (!pgDumpCanDump) ctx.skip();
    const damaged = await copyOf(dumpBackup);
    const bytes = await readFile(join(damaged, 'v2.dump'));
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x80;
    await writeFile(join(damaged, 'v2.dump'), bytes);
    const to = await emptyTarget();
    await expect(restoreV2({ from: damaged, to })).rejects.toThrow(`the backup file ${join(damaged, 'v2.dump')} does not match the manifest`);
    expect(await v2TablesOn(to)).toEqual([]);
  });

  test('without pg_restore it says where it looked', async (ctx) => {
    if (!pgDumpCanDump) ctx.skip();
    await expect(restoreV2({ from: dumpBackup, to: await emptyTarget(), pgBinDir: '/nonexistent/bin' })).rejects.toMatchObject({
      code: 'ERR_BACKUP',
      message: 'this backup is a pg_dump archive and pg_restore was not found in /nonexistent/bin',
    });
  });
});
