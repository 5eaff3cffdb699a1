import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MigrationError } from '../errors.js';
import { V2_TABLES } from '../v2/schema.js';

/** The manifest's name in a backup directory. Written last: a directory without it holds no complete backup. */
export const MANIFEST_FILE = 'manifest.json';

/** A file of the backup, by its name inside the directory (never a path). */
const fileName = z.string().regex(/^[\w][\w.-]*$/, 'a plain file name');

const fileRef = z.object({ file: fileName, sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

/**
 * A column type is cast to by the INSERT path of a restore, so it must be a type name and nothing else
 * (`numeric`, `timestamp without time zone`, `character varying`, `_int4`).
 */
const columnType = z.string().regex(/^[A-Za-z_][\w ]*$/, 'a type name');

const tableEntry = z.object({
  name: z.enum(V2_TABLES),
  rows: z.number().int().nonnegative(),
  columns: z.array(z.object({ name: z.string().min(1), type: columnType })).min(1),
  file: fileName.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  bytes: z.number().int().nonnegative().optional(),
});

export const manifestSchema = z
  .object({
    version: z.literal(1),
    format: z.enum(['pg_dump', 'copy']),
    createdAt: z.string(),
    /** The v2 URL, password masked. */
    source: z.string(),
    serverVersion: z.string(),
    tables: z.array(tableEntry).min(1),
    dump: fileRef.extend({ pgDumpVersion: z.string().optional() }).optional(),
  })
  .superRefine((manifest, ctx) => {
    if (manifest.format === 'pg_dump' && !manifest.dump) ctx.addIssue({ code: 'custom', message: 'a pg_dump backup names its dump file', path: ['dump'] });
    if (manifest.format === 'copy') {
      manifest.tables.forEach((table, i) => {
        if (!table.file || !table.sha256 || table.bytes === undefined) ctx.addIssue({ code: 'custom', message: 'a copy backup names each table file with its sha256 and bytes', path: ['tables', i] });
      });
    }
    const names = manifest.tables.map((table) => table.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'a table is listed twice', path: ['tables'] });
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type TableEntry = Manifest['tables'][number];
export type BackupFormat = Manifest['format'];

/** Whether `dir` already holds a backup's manifest. */
export async function hasManifest(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, MANIFEST_FILE));
    return true;
  } catch {
    return false;
  }
}

/** Writes the manifest of the backup in `dir`, atomically (a temporary file renamed). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const text = `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
  const temporary = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(temporary, text, { flag: 'w' });
  await rename(temporary, join(dir, MANIFEST_FILE));
}

/** Reads and validates the manifest of the backup in `dir`. */
export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new MigrationError('ERR_BACKUP', `${dir} holds no backup: ${MANIFEST_FILE} is missing`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MigrationError('ERR_BACKUP', `${join(dir, MANIFEST_FILE)} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new MigrationError('ERR_BACKUP', `${join(dir, MANIFEST_FILE)} is not a backup manifest: ${issues}`);
  }
  return parsed.data;
}

/** The SHA-256 (hex) and size of a file. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The files a manifest names, with the checksum and size each must have. */
export function filesOf(manifest: Manifest): { file: string; sha256: string; bytes: number }[] {
  if (manifest.format === 'pg_dump') return [manifest.dump!];
  return manifest.tables.map((table) => ({ file: table.file!, sha256: table.sha256!, bytes: table.bytes! }));
}

/** Checks every file of the backup in `dir` against the manifest: a missing or changed file is an error naming it. */
export async function verifyFiles(dir: string, manifest: Manifest): Promise<void> {
  for (const expected of filesOf(manifest)) {
    const path = join(dir, expected.file);
    let actual: { sha256: string; bytes: number };
    try {
      actual = await hashFile(path);
    } catch (cause) {
      throw new MigrationError('ERR_BACKUP', `the backup file ${path} cannot be read: ${(cause as Error).message}`, { cause });
    }
    if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
      throw new MigrationError('ERR_BACKUP', `the backup file ${path} does not match the manifest (sha256 ${actual.sha256}, ${actual.bytes} bytes; expected ${expected.sha256}, ${expected.bytes} bytes): it was changed or damaged, nothing was restored`);
    }
  }
}
