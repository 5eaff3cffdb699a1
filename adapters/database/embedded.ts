import { once } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
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
 * may connect beside it. `dataDir` undefined keeps it in memory. A new database starts from the dump
 * `BOTV3_PGLITE_TEMPLATE` names, when set (see `dumpEmbeddedTemplate`).
 */
export async function startEmbeddedPostgres(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedPostgres> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // A new database from a template is a copy, in a third of the time PostgreSQL's initdb takes.
  const fresh = !dataDir || (await readdir(dataDir)).length === 0;
  const template = fresh && env['BOTV3_PGLITE_TEMPLATE'] ? env['BOTV3_PGLITE_TEMPLATE'] : undefined;
  const worker = new Worker(new URL('./embedded-server.cjs', import.meta.url), { workerData: { dataDir, template } });
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

/**
 * Writes a dump (`.tar.gz`) of a new, empty embedded database to `file`, for `BOTV3_PGLITE_TEMPLATE`:
 * a database started from it skips the seconds of PostgreSQL's initdb. The dump belongs to the PGlite
 * version that wrote it.
 */
export async function dumpEmbeddedTemplate(file: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  try {
    await writeFile(file, Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer()));
  } finally {
    await db.close();
  }
}
