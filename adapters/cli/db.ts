import type { DatabasePool } from 'slonik';
import { openDatabase, type DatabaseWait } from '../database/connect.js';
import { migrate, migrationStatus } from '../database/migrator.js';
import { embeddedDataDir } from './data-dir.js';

type Print = (line: string) => void;

/** `botv3 db status`: which migrations are applied and which are pending. */
export async function dbStatus(print: Print, wait?: DatabaseWait): Promise<void> {
  await withDatabase(print, wait, async (pool) => {
    const { applied, pending } = await migrationStatus(pool);
    for (const m of applied) print(`applied  ${String(m.version).padStart(4, '0')}_${m.name}  ${m.appliedAt.toISOString()}`);
    for (const m of pending) print(`pending  ${String(m.version).padStart(4, '0')}_${m.name}`);
    print(pending.length === 0 ? 'Schema up to date.' : `${pending.length} migration(s) pending: run botv3 db migrate.`);
  });
}

/** `botv3 db migrate`: applies the pending migrations. */
export async function dbMigrate(print: Print, wait?: DatabaseWait): Promise<void> {
  await withDatabase(print, wait, async (pool) => {
    const applied = await migrate(pool);
    print(applied.length === 0 ? 'Nothing to apply: schema up to date.' : `Applied migration(s) ${applied.join(', ')}.`);
  });
}

async function withDatabase(print: Print, wait: DatabaseWait | undefined, work: (pool: DatabasePool) => Promise<void>): Promise<void> {
  const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: embeddedDataDir(), wait });
  print(`Database: ${db.where} (${db.kind})`);
  try {
    await work(db.pool);
  } finally {
    await db.close();
  }
}
