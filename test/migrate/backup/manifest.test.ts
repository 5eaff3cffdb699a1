import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { hashFile, readManifest, verifyFiles, writeManifest, type Manifest } from '../../../migrate/backup/manifest.js';
import { backupDir } from './fixtures.js';

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await backupDir();
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function copyManifest(dir: string): Promise<Manifest> {
  const { sha256, bytes } = await hashFile(join(dir, 'orders.copy'));
  return {
    version: 1,
    format: 'copy',
    createdAt: '2025-01-01T00:00:00.000Z',
    source: 'postgres://bot:***@db:5432/bot_trading_v2',
    serverVersion: '15.20',
    tables: [{ name: 'orders', rows: 1, columns: [{ name: 'id', type: 'integer' }, { name: 'created_at', type: 'timestamp without time zone' }], file: 'orders.copy', sha256, bytes }],
  };
}

test('a manifest written is read back the same', async () => {
  const dir = await dirWith({ 'orders.copy': '1\t2024-01-01 00:00:00\n' });
  const manifest = await copyManifest(dir);
  await writeManifest(dir, manifest);
  expect(await readManifest(dir)).toEqual(manifest);
  await verifyFiles(dir, manifest);
});

test.each([
  ['a version it does not know', { version: 2 }, /version: Invalid input: expected 1/],
  ['a format it does not know', { format: 'tar' }, /format: /],
  ['a table that is not v2', { tables: [{ name: 'users', rows: 0, columns: [{ name: 'id', type: 'integer' }], file: 'users.copy', sha256: '0'.repeat(64), bytes: 0 }] }, /tables\.0\.name: /],
  ['a type that is not a type name (it is cast to on restore)', { tables: [{ name: 'orders', rows: 0, columns: [{ name: 'id', type: 'integer); DROP TABLE orders; --' }], file: 'orders.copy', sha256: '0'.repeat(64), bytes: 0 }] }, /tables\.0\.columns\.0\.type: a type name/],
  ['a file that is a path', { tables: [{ name: 'orders', rows: 0, columns: [{ name: 'id', type: 'integer' }], file: '../../etc/passwd', sha256: '0'.repeat(64), bytes: 0 }] }, /tables\.0\.file: a plain file name/],
  ['a copy table without its checksum', { tables: [{ name: 'orders', rows: 0, columns: [{ name: 'id', type: 'integer' }], file: 'orders.copy' }] }, /tables\.0: a copy backup names each table file/],
  ['a pg_dump backup without its dump', { format: 'pg_dump' }, /dump: a pg_dump backup names its dump file/],
  ['a table listed twice', { tables: [0, 1].map(() => ({ name: 'orders', rows: 0, columns: [{ name: 'id', type: 'integer' }], file: 'orders.copy', sha256: '0'.repeat(64), bytes: 0 })) }, /tables: a table is listed twice/],
])('a manifest with %s is refused', async (_, change, message) => {
  const dir = await dirWith({ 'orders.copy': '' });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...(await copyManifest(dir)), ...change }));
  await expect(readManifest(dir)).rejects.toMatchObject({ code: 'ERR_BACKUP', message: expect.stringMatching(message) });
});

test('a manifest that is not JSON, or none, is refused', async () => {
  const dir = await dirWith({ 'manifest.json': '{"version": 1,' });
  await expect(readManifest(dir)).rejects.toThrow(`${join(dir, 'manifest.json')} is not JSON`);
  await expect(readManifest(await dirWith({}))).rejects.toThrow(/holds no backup: manifest.json is missing$/);
});

test('verifyFiles names a file that is missing or changed', async () => {
  const dir = await dirWith({ 'orders.copy': '1\t2024-01-01 00:00:00\n' });
  const manifest = await copyManifest(dir);
  await writeFile(join(dir, 'orders.copy'), '2\t2024-01-01 00:00:00\n');
  await expect(verifyFiles(dir, manifest)).rejects.toThrow(`the backup file ${join(dir, 'orders.copy')} does not match the manifest`);
  await writeFile(join(dir, 'orders.copy'), '1\t2024-01-01 00:00:00\n');
  await verifyFiles(dir, manifest);
  await verifyFiles(dir, { ...manifest, tables: [{ ...manifest.tables[0]!, file: 'trades.copy' }] }).then(
    () => expect.unreachable(),
    (error: Error) => expect(error.message).toMatch(new RegExp(`^the backup file ${join(dir, 'trades.copy')} cannot be read: ENOENT`)),
  );
});
