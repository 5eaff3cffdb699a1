import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkpointExists, copyCheckpoint } from '../../../migrate/config/checkpoint.js';
import { MigrationError } from '../../../migrate/errors.js';
import { CHECKPOINT, CHECKPOINT_BYTES, tempDir } from './fixtures.js';

async function dirs(): Promise<{ from: string; out: string }> {
  const root = await tempDir();
  const from = join(root, 'v2');
  await mkdir(join(from, 'models'), { recursive: true });
  await writeFile(join(from, CHECKPOINT), CHECKPOINT_BYTES);
  return { from, out: join(root, 'v3') };
}

describe('checkpointExists', () => {
  test('tells a present checkpoint from a missing one', async () => {
    const { from } = await dirs();
    expect(await checkpointExists(from, CHECKPOINT)).toBe(true);
    expect(await checkpointExists(from, 'models/other.pth')).toBe(false);
    expect(await checkpointExists(from, 'nowhere/best.pth')).toBe(false);
  });

  test('a directory at its path is an error naming ml_config.json', async () => {
    const { from } = await dirs();
    const error = await checkpointExists(from, 'models').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toBe('ml_config.json: checkpoint: models is not a file');
  });
});

describe('copyCheckpoint', () => {
  test('copies to the same relative path and returns the sha256 of both', async () => {
    const { from, out } = await dirs();
    const sha256 = await copyCheckpoint(from, out, CHECKPOINT, false);
    expect(sha256).toBe(createHash('sha256').update(CHECKPOINT_BYTES).digest('hex'));
    expect((await readFile(join(out, CHECKPOINT))).equals(CHECKPOINT_BYTES)).toBe(true);
  });

  test('overwrites an existing copy only with force', async () => {
    const { from, out } = await dirs();
    await mkdir(join(out, 'models'), { recursive: true });
    await writeFile(join(out, CHECKPOINT), 'older model');
    await expect(copyCheckpoint(from, out, CHECKPOINT, false)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(join(out, CHECKPOINT), 'utf8')).toBe('older model');
    await copyCheckpoint(from, out, CHECKPOINT, true);
    expect((await readFile(join(out, CHECKPOINT))).equals(CHECKPOINT_BYTES)).toBe(true);
  });
});
