import { openDatabase, type DatabaseWait } from './connect.js';
import { startEmbeddedPostgres } from './embedded.js';
import { migrate } from './migrator.js';
import { latestBalances, openSwapPositions, type StoredSwapPosition } from './queries.js';
import { redactUrl } from './url.js';

export interface PlatformDatabase {
  /** Where the persistence actor connects. */
  url: string;
  /** One for the embedded PostgreSQL, which runs one query at a time. */
  poolSize: number;
  kind: 'embedded' | 'external';
  /** For the banner: the URL without its password, or the embedded data directory. */
  where: string;
  /** Latest stored balances per trader, to open the paper exchange's accounts as they were. */
  balances: Record<string, Record<string, string>>;
  /** Open perpetual positions per trader, to open the paper exchange's positions as they were. */
  positions: Record<string, StoredSwapPosition[]>;
  /** Stops the embedded PostgreSQL (nothing to do for an external one). */
  stop(): Promise<void>;
}

/**
 * Gets the database ready before the actors start: connects to `url` (or starts the embedded
 * PostgreSQL on `dataDir`), applies pending migrations and reads what the restart needs. Its own
 * connection is closed again: the embedded server takes one client at a time, the persistence actor's.
 * A server at `url` that cannot be reached yet is waited for as `wait` says.
 */
export async function preparePlatformDatabase(options: { url?: string | undefined; dataDir: string; wait?: DatabaseWait }): Promise<PlatformDatabase> {
  const embedded = options.url ? undefined : await startEmbeddedPostgres(options.dataDir);
  const url = embedded ? embedded.url : options.url!;
  try {
    const db = await openDatabase({ url, maximumPoolSize: 1, wait: embedded ? undefined : options.wait });
    try {
      await migrate(db.pool);
      const balances = await latestBalances(db.pool);
      const positions = await openSwapPositions(db.pool);
      return {
        url,
        poolSize: embedded ? 1 : 10,
        kind: embedded ? 'embedded' : 'external',
        where: embedded ? `PGlite in ${options.dataDir}` : redactUrl(url),
        balances,
        positions,
        stop: async () => embedded?.stop(),
      };
    } finally {
      await db.close();
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
