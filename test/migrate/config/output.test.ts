import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { assertWritable, createOutDir, writeOutput } from '../../../migrate/config/output.js';
import { MigrationError } from '../../../migrate/errors.js';
import { tempDir } from './fixtures.js';

describe('assertWritable', () => {
  test('names every output already there, and lets force through', async () => {
    const out = await tempDir();
    await writeFile(join(out, '.env'), '');
    await mkdir(join(out, 'models'));
    await writeFile(join(out, 'models/best.pth'), '');
    const error = await assertWritable(out, ['.env', 'botv3.yaml', 'models/best.pth'], false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'ERR_MIGRATION_TARGET', message: `${out} already has .env, models/best.pth; nothing was written (--force overwrites)` });
    await assertWritable(out, ['.env'], true);
    await assertWritable(join(out, 'not-yet'), ['.env'], false);
  });
});

describe('createOutDir', () => {
  test('creates missing parents, and names a path it cannot use', async () => {
    const root = await tempDir();
    await createOutDir(join(root, 'a/b'));
    expect((await stat(join(root, 'a/b'))).isDirectory()).toBe(true);
    await writeFile(join(root, 'file'), '');
    await expect(createOutDir(join(root, 'file/sub'))).rejects.toMatchObject({ code: 'ERR_MIGRATION_TARGET', message: `cannot create ${join(root, 'file/sub')} (ENOTDIR)` });
  });
});

describe('writeOutput', () => {
  test('creates the file with its mode, and refuses an existing one without force', async () => {
    const out = await tempDir();
    const path = join(out, '.env');
    await writeOutput(path, 'A=1\n', { mode: 0o600, force: false });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await expect(writeOutput(path, 'A=2\n', { mode: 0o600, force: false })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
  });

  test('with force, replaces the text and tightens the mode of the file it overwrites', async () => {
    const out = await tempDir();
    const path = join(out, '.env');
    await writeFile(path, 'OLD=a much longer old value\n');
    await chmod(path, 0o644);
    await writeOutput(path, 'A=1\n', { mode: 0o600, force: true });
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
