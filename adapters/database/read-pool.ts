import type { DatabasePool } from 'slonik';
import { openDatabase, type Database } from './connect.js';

/**
 * A pool for reads beside the platform's writer, opened when first needed. A failure drops it, and the
 * next read connects anew: a pool can keep a connection the server dropped and hang on it for good
 * (slonik's pool of one does), and a database that was away at start is found once it is back.
 *
 * @example
 * ```ts
 * const reads = new ReadPool(url, 2);
 * const page = await reads.run((pool) => list(pool, 'positions', {}));
 * ```
 */
export class ReadPool {
  readonly #url: string;
  readonly #size: number;
  #database: Promise<Database> | undefined;

  constructor(url: string, size: number) {
    this.#url = url;
    this.#size = size;
  }

  async run<T>(work: (pool: DatabasePool) => Promise<T>): Promise<T> {
    const opened = (this.#database ??= openDatabase({ url: this.#url, maximumPoolSize: this.#size }));
    try {
      return await work((await opened).pool);
    } catch (error) {
      if (this.#database === opened) this.#database = undefined;
      void opened.then((database) => database.close()).catch(() => {});
      throw error;
    }
  }

  async close(): Promise<void> {
    const opened = this.#database;
    this.#database = undefined;
    await opened?.then((database) => database.close()).catch(() => {});
  }
}
