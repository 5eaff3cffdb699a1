import { openLanes, type Lanes } from '../../migrate/connect.js';
import { freshDatabaseServer, type TestDatabaseServer } from './database.js';
import { freshV2Database, runSql, withClient } from './v2-database.js';

/** A v2 database (with `generate.sql` at `scale`, or only the schema), an empty v3 one, and the run's connections. */
export interface MigrationBench {
  v2: TestDatabaseServer;
  v3: TestDatabaseServer;
  connections: Lanes;
  close(): Promise<void>;
}

/** `v2Sql` runs on v2 before the connections open (PGlite serves one connection at a time). */
export async function migrationBench(scale?: number, options: { dryRun?: boolean; v2Sql?: string } = {}): Promise<MigrationBench> {
  const v2 = await freshV2Database(scale);
  if (options.v2Sql) await runSql(v2.url, options.v2Sql);
  const v3 = await freshDatabaseServer();
  const connections = await openLanes(v2.url, v3.url, options);
  return {
    v2,
    v3,
    connections,
    close: async () => {
      await connections.close();
      await v3.close();
      await v2.close();
    },
  };
}

/** Runs `query` on `url` with a client of its own and returns the rows. */
export async function rowsOf<R extends object = Record<string, unknown>>(url: string, query: string, params: unknown[] = []): Promise<R[]> {
  return withClient(url, async (client) => (await client.query<R>(query, params)).rows);
}
