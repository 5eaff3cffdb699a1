import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants, copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MigrationError } from '../errors.js';
import { configError } from './source.js';
import { ML_FILE } from './ml.js';

/**
 * Whether the checkpoint ml_config.json names is there to copy. Missing is not an error: models are
 * often kept elsewhere, and v3 trades without one. Something else at its path (a directory) is.
 */
export async function checkpointExists(from: string, relative: string): Promise<boolean> {
  let stats;
  try {
    stats = await stat(join(from, relative));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (!stats.isFile()) throw configError(ML_FILE, 'checkpoint', `${relative} is not a file`);
  return true;
}

/**
 * Copies the checkpoint to the same relative path under `out` and checks the copy's sha256 against
 * the original's. A copy that differs is removed, so no unverified model is left behind. Returns
 * the sha256, for checksums.sha256.
 */
export async function copyCheckpoint(from: string, out: string, relative: string, force: boolean): Promise<string> {
  const source = join(from, relative);
  const target = join(out, relative);
  const expected = await sha256(source);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(source, target, force ? 0 : constants.COPYFILE_EXCL);
  const actual = await sha256(target);
  if (actual !== expected) {
    await rm(target, { force: true });
    throw new MigrationError('ERR_MIGRATION_TARGET', `checkpoint ${relative}: the copy's sha256 (${actual}) differs from the original's (${expected}); the copy was removed`);
  }
  return actual;
}

/** Streamed: checkpoints run to gigabytes. */
async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
