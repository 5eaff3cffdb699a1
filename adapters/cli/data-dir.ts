import { join } from 'node:path';

/** Where the platform keeps its files: `$BOTV3_DATA_DIR`, default `./data`. */
export function dataDir(): string {
  return process.env.BOTV3_DATA_DIR ?? 'data';
}

/** Where the embedded PostgreSQL keeps its files when `DATABASE_URL` is unset: `<data dir>/pglite`. */
export function embeddedDataDir(): string {
  return join(dataDir(), 'pglite');
}
