import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import { DatabaseError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: { version: number; name: string; appliedAt: Date }[];
  pending: { version: number; name: string }[];
}

const MIGRATIONS = new URL('./migrations/', import.meta.url);
const FILE = /^(\d{4})_([\w-]+)\.sql$/;

/** The migration files (`0001_schema.sql`, ...), in version order. */
export async function loadMigrations(dir: URL = MIGRATIONS): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const [, version, name] = FILE.exec(file)!;
      const text = await readFile(new URL(file, dir), 'utf8');
      return { version: Number(version), name: name!, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
    }),
  );
}

const appliedRow = z.object({ version: z.number(), name: z.string(), checksum: z.string(), applied_at: z.union([z.date(), z.number()]) });

async function applied(pool: Pick<DatabasePool, 'any'>) {
  return pool.any(sql.type(appliedRow)`SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version`);
}

const CREATE_TABLE = sql.unsafe`
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`;

/** What is applied and what is pending; an applied file that changed since is an error. */
export async function migrationStatus(pool: DatabasePool, migrations?: Migration[]): Promise<MigrationStatus> {
  const files = migrations ?? (await loadMigrations());
  const rows = await locked(pool, (tx) => applied(tx));
  checkUnchanged(rows, files);
  const done = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: new Date(r.applied_at) })),
    pending: files.filter((m) => !done.has(m.version)).map(({ version, name }) => ({ version, name })),
  };
}

/**
 * Applies the pending migrations in order, each in its own transaction with its row in
 * `schema_migrations`, under an advisory lock so that two processes starting at once apply each once.
 * Returns the versions it applied.
 */
export async function migrate(pool: DatabasePool, migrations?: Migration[]): Promise<number[]> {
  const files = migrations ?? (await loadMigrations());
  const done: number[] = [];
  for (const migration of files) {
    const ran = await locked(pool, async (tx) => {
      const rows = await applied(tx);
      checkUnchanged(rows, files);
      if (rows.some((r) => r.version === migration.version)) return false;
      try {
        for (const statement of statements(migration.sql)) await tx.query(sql.unsafe(rawSql(statement)));
      } catch (cause) {
        throw new DatabaseError('ERR_MIGRATION_FAILED', `migration ${migration.version}_${migration.name} failed: ${(cause as Error).message}`, { cause });
      }
      await tx.query(sql.unsafe`INSERT INTO schema_migrations (version, name, checksum) VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`);
      return true;
    });
    if (ran) done.push(migration.version);
  }
  return done;
}

/**
 * Runs `work` in a transaction holding the migrations' advisory lock, with the migrations table in
 * place: creating it is itself racy between processes starting at once.
 */
async function locked<T>(pool: DatabasePool, work: (tx: DatabaseTransactionConnection) => Promise<T>): Promise<T> {
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(7303)`);
    await tx.query(CREATE_TABLE);
    return work(tx);
  });
}

function checkUnchanged(rows: readonly z.infer<typeof appliedRow>[], files: Migration[]): void {
  for (const row of rows) {
    const file = files.find((m) => m.version === row.version);
    if (file && file.checksum !== row.checksum) {
      throw new DatabaseError('ERR_MIGRATION_CHANGED', `migration ${row.version}_${row.name} was changed after it was applied; add a new migration instead`);
    }
  }
}

/**
 * The statements of a migration file. slonik sends one statement per query, so a file is split where
 * a line ends with `;`: the convention migration files follow (no statement of ours ends a line
 * with `;` inside a string or a function body).
 */
function statements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:--[^\n]*)?\r?\n|;\s*$/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}

/** SQL text as a template with no placeholders, for `sql.unsafe`. */
function rawSql(text: string): TemplateStringsArray {
  return Object.freeze(Object.assign([text], { raw: Object.freeze([text]) }));
}
