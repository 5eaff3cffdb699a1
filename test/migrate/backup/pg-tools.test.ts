import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { findPgTool, pgDump, pgDumpUnusable, pgRestore, type PgTool } from '../../../migrate/backup/pg-tools.js';
import { MigrationError } from '../../../migrate/errors.js';
import { closedPort } from '../../helpers/ports.js';

const pgDumpHere = await findPgTool('pg_dump');
const pgRestoreHere = await findPgTool('pg_restore');

test('finds pg_dump and reads its version, or says it is not there', async () => {
  expect(await findPgTool('pg_dump', '/nonexistent/bin')).toBeUndefined();
  if (pgDumpHere) expect(pgDumpHere).toMatchObject({ name: 'pg_dump', path: 'pg_dump', version: expect.stringMatching(/^\d+(\.\d+)?/), major: expect.any(Number) });
});

test('pg_dump can dump a server of its major version or older, not newer', () => {
  const tool: PgTool = { name: 'pg_dump', path: 'pg_dump', version: '15.20', major: 15 };
  expect(pgDumpUnusable(tool, 15)).toBeUndefined();
  expect(pgDumpUnusable(tool, 13)).toBeUndefined();
  expect(pgDumpUnusable(tool, 18)).toBe('pg_dump 15.20 cannot dump a PostgreSQL 18 server (it needs pg_dump 18 or newer)');
  expect(pgDumpUnusable(undefined, 15)).toBe('pg_dump was not found on PATH');
  expect(pgDumpUnusable(undefined, 15, '/opt/pg/bin')).toBe('pg_dump was not found in /opt/pg/bin');
});

test.runIf(pgDumpHere)('a pg_dump failure carries its message, without the password', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'botv3-pgdump-')), 'v2.dump');
  const urls = [`postgres://postgres:Wr0ng-Passw0rd@127.0.0.1:${await closedPort()}/bot_trading_v2`];
  if (process.env.TEST_DATABASE_URL) {
    const url = new URL(process.env.TEST_DATABASE_URL);
    url.password = 'Wr0ng-Passw0rd';
    url.pathname = '/botv3_no_such_database';
    urls.push(url.toString());
  }
  for (const url of urls) {
    const error = (await pgDump(pgDumpHere!, url, file).catch((e: unknown) => e)) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.code).toBe('ERR_BACKUP');
    expect(error.message).toMatch(/^pg_dump [\d.]+ failed: pg_dump: error: connection to server at "127\.0\.0\.1", port \d+ failed: (Connection refused|FATAL: {2}database "botv3_no_such_database" does not exist)/);
    expect(`${error.message}\n${error.stack}\n${String((error.cause as Error).message)}`).not.toContain('Wr0ng-Passw0rd');
  }
});

test.runIf(pgRestoreHere)('a pg_restore failure carries its message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-pgrestore-'));
  await expect(pgRestore(pgRestoreHere!, `postgres://postgres:Wr0ng-Passw0rd@127.0.0.1:${await closedPort()}/x`, join(dir, 'missing.dump'), false)).rejects.toMatchObject({
    code: 'ERR_BACKUP',
    message: expect.stringMatching(/^pg_restore [\d.]+ failed: pg_restore: error: could not open input file ".*missing\.dump": No such file or directory$/),
  });
});
