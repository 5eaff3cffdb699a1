import { createPool, createTypeParserPreset, type DatabasePool } from 'slonik';
import { startEmbeddedPostgres } from './embedded.js';
import { redactUrl } from './url.js';

export interface Database {
  pool: DatabasePool;
  kind: 'embedded' | 'external';
  /** The URL with its password masked, for the banner. */
  where: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A `postgres://` URL (`DATABASE_URL`); without one, an embedded PostgreSQL is started. */
  url?: string | undefined;
  /** Data directory of the embedded PostgreSQL; undefined keeps it in memory (tests). */
  dataDir?: string | undefined;
  maximumPoolSize?: number;
}

/**
 * NUMERIC comes back as its exact text (slonik's preset makes it a float); the trading core turns
 * it into fixed-point. int8 stays bigint, timestamps stay what the preset makes them.
 */
const typeParsers = [...createTypeParserPreset().filter((p) => p.name !== 'numeric'), { name: 'numeric', parse: (value: string) => value }];

/** Connects to `url`, or starts the embedded PostgreSQL and connects to that with a pool of one. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.url) {
    const where = redactUrl(options.url);
    const pool = await createPool(options.url, { typeParsers, maximumPoolSize: options.maximumPoolSize ?? 10 });
    return { pool, kind: 'external', where, close: () => pool.end() };
  }
  const embedded = await startEmbeddedPostgres(options.dataDir);
  const pool = await createPool(embedded.url, { typeParsers, maximumPoolSize: 1 });
  return {
    pool,
    kind: 'embedded',
    where: options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory',
    close: async () => {
      await pool.end();
      await embedded.stop();
    },
  };
}
