// The embedded PostgreSQL's thread: PGlite (PostgreSQL compiled to WebAssembly) and its wire-protocol
// server, started by embedded.ts. Plain CommonJS so that a worker runs it as it is, from the sources as
// from dist/ (the build copies it), without a TypeScript loader.
'use strict';
const { readFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

const MAX_CONNECTIONS = 32;

async function main() {
  const options = workerData.dataDir ? { dataDir: workerData.dataDir } : {};
  if (workerData.template) options.loadDataDir = new Blob([readFileSync(workerData.template)]);
  const db = await PGlite.create(options);
  // Several clients may connect (the platform's pool, a CLI command, a check beside it); PGlite runs one
  // query at a time, and the server keeps a transaction's queries together.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  await server.start();
  parentPort.once('message', async () => {
    await server.stop();
    await db.close();
    parentPort.postMessage({ type: 'stopped' });
  });
  parentPort.postMessage({ type: 'listening', port: server.server.address().port });
}

// A failure to start reaches the parent as this worker's 'error' event.
main().catch((error) => {
  throw error;
});
