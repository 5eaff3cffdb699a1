import { lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationError } from '../errors.js';

/**
 * Refuses, before anything is written, when one of `names` is already in `out`: a migration never
 * overwrites a config someone may have edited since, unless told to with `force`.
 */
export async function assertWritable(out: string, names: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  const existing: string[] = [];
  for (const name of names) {
    try {
      await lstat(join(out, name));
      existing.push(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  if (existing.length > 0) throw new MigrationError('ERR_MIGRATION_TARGET', `${out} already has ${existing.join(', ')}; nothing was written (--force overwrites)`);
}

/** Creates the output directory. */
export async function createOutDir(out: string): Promise<void> {
  try {
    await mkdir(out, { recursive: true });
  } catch (cause) {
    throw new MigrationError('ERR_MIGRATION_TARGET', `cannot create ${out} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
}

/**
 * Writes one output file. The mode is set before the text goes in, so an existing file being
 * overwritten never holds secrets under its old, looser mode.
 */
export async function writeOutput(path: string, text: string, options: { mode: number; force: boolean }): Promise<void> {
  const file = await open(path, options.force ? 'w' : 'wx', options.mode);
  try {
    await file.chmod(options.mode);
    await file.writeFile(text);
  } finally {
    await file.close();
  }
}
