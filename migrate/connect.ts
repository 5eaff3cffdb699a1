import pg from 'pg';
import { startEmbeddedPostgres } from '../adapters/database/embedded.js';
import { openDatabase } from '../adapters/database/connect.js';
import { migrate } from '../adapters/database/migrator.js';
import { redactUrl } from '../adapters/database/url.js';
import { MigrationError } from './errors.js';

/**
 * A connection of the migration. `pg` rather than slonik: the data moves with COPY, which slonik does
 * not offer (`pg-copy-streams` runs on a `pg` client).
 */
export interface Connection {
  client: pg.Client;
  /** The URL with its password masked. */
  where: string;
  /**
   * Whether the server is PGlite. Its socket server serves one connection at a time and does not
   * relay `COPY ... FROM STDIN` (the connection loses sync): an embedded target is written with
   * batched INSERTs, on one lane.
   */
  pglite: boolean;
  close(): Promise<void>;
}

async function isPglite(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  return rows[0]!.version.includes('PGlite');
}

async function connect(url: string, role: 'v2' | 'v3'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: `botv3 migrate (${role})` });
  // A connection that breaks later surfaces through the query that was running; this keeps an idle
  // client's late error from crashing the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (cause) {
    throw new MigrationError(role === 'v2' ? 'ERR_MIGRATION_SOURCE' : 'ERR_MIGRATION_TARGET', `cannot connect to the ${role} database ${redactUrl(url)}: ${(cause as Error).message}`, { cause });
  }
  return client;
}

/**
 * Opens v2's database for reading only: every transaction of this session is read-only, so no
 * statement of the migration can change v2, whatever it is.
 */
export async function openSource(url: string): Promise<Connection> {
  const where = redactUrl(url);
  const client = await connect(url, 'v2');
  // Values are read as text: fix the formats they are printed in, whatever the server's defaults.
  await client.query("SET default_transaction_read_only = on; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'");
  const pglite = await isPglite(client);
  const close = async () => {
    // PGlite is one session behind every connection: its settings would outlive this one.
    if (pglite) await client.query('RESET ALL').catch(() => {});
    await client.end();
  };
  return { client, where, pglite, close };
}

/**
 * Opens v3's database: `url`, or without one the embedded PostgreSQL in `dataDir` (stop the platform
 * first: PGlite is one process's). With `applySchema`, v3's schema migrations are applied first.
 */
export async function openTarget(url: string | undefined, options: { dataDir?: string; applySchema?: boolean } = {}): Promise<Connection> {
  const embedded = url ? undefined : await startEmbeddedPostgres(options.dataDir);
  const target = url ?? embedded!.url;
  try {
    if (options.applySchema) {
      const db = await openDatabase({ url: target, maximumPoolSize: 1 });
      try {
        await migrate(db.pool);
      } finally {
        await db.close();
      }
    }
    const client = await connect(target, 'v3');
    return {
      client,
      where: url ? redactUrl(url) : `PGlite in ${options.dataDir ?? 'memory'}`,
      pglite: await isPglite(client),
      close: async () => {
        await client.end();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** A connection to v2 and one to v3 (none for a dry run: rows are read and converted, nothing is written). */
export interface Lane {
  source: Connection;
  target?: Connection | undefined;
}

export interface Lanes {
  lanes: [Lane] | [Lane, Lane];
  close(): Promise<void>;
}

/**
 * The connections of a `migrate run`: v2 read-only, v3 with its schema applied (none for a dry run),
 * and a second pair for a second lane where both servers can take it (PGlite serves one connection). `to` undefined is the embedded database in `dataDir`.
 */
export async function openLanes(from: string, to: string | undefined, options: { dryRun?: boolean; dataDir?: string } = {}): Promise<Lanes> {
  const opened: Connection[] = [];
  const open = async (connection: Promise<Connection>) => {
    const c = await connection;
    opened.push(c);
    return c;
  };
  const close = async () => {
    for (const c of opened.reverse()) await c.close().catch(() => {});
  };
  try {
    const first: Lane = { source: await open(openSource(from)) };
    if (!options.dryRun) first.target = await open(openTarget(to, { applySchema: true, ...(options.dataDir ? { dataDir: options.dataDir } : {}) }));
    if (first.source.pglite || first.target?.pglite) return { lanes: [first], close };
    const second: Lane = { source: await open(openSource(from)) };
    if (first.target) second.target = await open(openTarget(to));
    return { lanes: [first, second], close };
  } catch (error) {
    await close();
    throw error;
  }
}
