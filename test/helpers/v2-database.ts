import { readFileSync } from 'node:fs';
import pg from 'pg';
import { freshDatabaseServer, type TestDatabaseServer } from './database.js';

const FIXTURES = new URL('../fixtures/v2/', import.meta.url);
const SCHEMA = new URL('../../migrate/v2/schema.sql', import.meta.url);

/**
 * v2's `generate.sql` without its psql commands: `:scale` substituted and `\gset` dropped, so it runs
 * through a plain client. One session, since `setseed` makes `random()` deterministic per session.
 */
function generateStatements(scale: number): string {
  return readFileSync(new URL('generate.sql', FIXTURES), 'utf8')
    .replace(/^\\set .*$/m, '')
    .replace(/ \\gset$/m, ';')
    .replace(/:scale\b/g, String(scale));
}

/** Runs `use` with a client of `url` of its own, closing it after (one at a time: PGlite serves one client). */
export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL text (several statements) on `url` in one session. */
export async function runSql(url: string, text: string): Promise<void> {
  await withClient(url, (client) => client.query(text));
}

/** Gives an empty database v2's schema and, with `scale`, `generate.sql`'s data set at that scale. */
export async function fillV2(url: string, scale?: number): Promise<void> {
  await runSql(url, readFileSync(SCHEMA, 'utf8'));
  if (scale !== undefined) await runSql(url, generateStatements(scale));
}

/** A fresh database holding v2's schema and, with `scale`, `generate.sql`'s data set at that scale. */
export async function freshV2Database(scale?: number): Promise<TestDatabaseServer> {
  const server = await freshDatabaseServer();
  try {
    await fillV2(server.url, scale);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/** The path of one of v2's config files in the fixtures (`env.v2`, `strategies.yaml`...). */
export const V2_CONFIG_DIR = new URL('config/', FIXTURES).pathname;
