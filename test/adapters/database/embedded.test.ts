import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'slonik';
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { startEmbeddedPostgres } from '../../../adapters/database/embedded.js';

const dir = mkdtempSync(join(tmpdir(), 'botv3-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A query on the embedded database in `dataDir`, started with `env`, then stopped. */
async function onEmbedded<T>(dataDir: string, env: NodeJS.ProcessEnv, query: (pool: Awaited<ReturnType<typeof openDatabase>>['pool']) => Promise<T>): Promise<T> {
  const server = await startEmbeddedPostgres(dataDir, env);
  const database = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  try {
    return await query(database.pool);
  } finally {
    await database.close();
    await server.stop();
  }
}

const tables = (pool: Awaited<ReturnType<typeof openDatabase>>['pool']) => pool.anyFirst(sql.unsafe`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);

describe('the embedded database from a template', () => {
  test('a new one starts as a copy of the template; one that has data is left as it is', async () => {
    // A template with a table of its own, to tell a copy of it from a database made anew.
    const marked = await PGlite.create();
    await marked.exec('CREATE TABLE from_template (n int)');
    const template = join(dir, 'marked.tar.gz');
    writeFileSync(template, Buffer.from(await (await marked.dumpDataDir('gzip')).arrayBuffer()));
    await marked.close();
    const env = { BOTV3_PGLITE_TEMPLATE: template };

    const existing = join(dir, 'existing');
    expect(await onEmbedded(existing, env, tables)).toEqual(['from_template']);
    await onEmbedded(existing, env, (pool) => pool.query(sql.unsafe`CREATE TABLE kept (n int)`));
    // Copied again, the folder would have lost `kept`.
    expect(await onEmbedded(existing, env, tables)).toEqual(['from_template', 'kept']);
  });

  test('the dump botv3 makes (the one the test run made, see test/global-setup.ts) starts an empty database', async () => {
    const template = process.env.BOTV3_PGLITE_TEMPLATE!;
    expect(template).toMatch(/pglite-.*\.tar\.gz$/);
    expect(await onEmbedded(join(dir, 'from-dump'), { BOTV3_PGLITE_TEMPLATE: template }, tables)).toEqual([]);
  });
});
