import { randomBytes } from 'node:crypto';
import { sql } from 'slonik';
import { openDatabase, type Database } from '../../adapters/database/connect.js';
import { startEmbeddedPostgres } from '../../adapters/database/embedded.js';

/** A fresh, empty database reachable at `url`; `poolSize` is what a client of it may open. */
export interface TestDatabaseServer {
  url: string;
  poolSize: number;
  close(): Promise<void>;
}

/**
 * A fresh database for one test file: a new database on the server of `TEST_DATABASE_URL` when it is
 * set (dropped again by `close`), else an in-memory embedded PGlite behind its loopback socket.
 */
export async function freshDatabaseServer(): Promise<TestDatabaseServer> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres(undefined);
    return { url: embedded.url, poolSize: 1, close: () => embedded.stop() };
  }
  const name = `botv3_test_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ url: serverUrl, maximumPoolSize: 1 });
  await admin.pool.query(sql.unsafe`CREATE DATABASE ${sql.identifier([name])}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    poolSize: 4,
    close: async () => {
      await admin.pool.query(sql.unsafe`DROP DATABASE IF EXISTS ${sql.identifier([name])} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/** `freshDatabaseServer()` with a pool connected to it; `close` closes both. */
export async function freshDatabase(): Promise<Database> {
  const server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: server.poolSize });
  return {
    ...db,
    close: async () => {
      await db.close();
      await server.close();
    },
  };
}
