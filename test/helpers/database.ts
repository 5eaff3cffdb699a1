import { randomBytes } from 'node:crypto';
import { sql } from 'slonik';
import { openDatabase, type Database } from '../../adapters/database/connect.js';

/**
 * A fresh, empty database for one test file: a new database on the server of `TEST_DATABASE_URL`
 * when it is set (dropped again by `close`), else an in-memory embedded PGlite.
 */
export async function freshDatabase(): Promise<Database> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openDatabase({});
  const name = `botv3_test_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ url: serverUrl, maximumPoolSize: 1 });
  await admin.pool.query(sql.unsafe`CREATE DATABASE ${sql.identifier([name])}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), maximumPoolSize: 4 });
  return {
    ...db,
    close: async () => {
      await db.close();
      await admin.pool.query(sql.unsafe`DROP DATABASE IF EXISTS ${sql.identifier([name])} WITH (FORCE)`);
      await admin.close();
    },
  };
}
