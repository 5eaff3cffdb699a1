import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

export interface EmbeddedPostgres {
  /** Where slonik connects: the socket server on a loopback port. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) served over the PostgreSQL wire protocol on a free
 * loopback port, so the same slonik code talks to it as to a real server. It runs in a worker thread
 * of its own: executing SQL is CPU work that would otherwise take the main thread from the supervisor
 * and the API. PGlite runs one query at a time: a pool of one is all it can use, though other clients
 * may connect beside it. `dataDir` undefined keeps it in memory.
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const worker = new Worker(new URL('./embedded-server.cjs', import.meta.url), { workerData: { dataDir } });
  const failed = once(worker, 'error').then(([error]) => Promise.reject(error as Error));
  const [listening] = (await Promise.race([once(worker, 'message'), failed])) as [{ type: 'listening'; port: number }];
  return {
    url: `postgres://postgres@127.0.0.1:${listening.port}/postgres`,
    stop: async () => {
      worker.postMessage({ type: 'stop' });
      await Promise.race([once(worker, 'message'), failed]);
      await worker.terminate();
    },
  };
}
