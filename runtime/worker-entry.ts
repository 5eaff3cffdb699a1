import { workerData } from 'node:worker_threads';
import type { WorkerData } from './protocol.js';
import { runActorWorker } from './worker-main.js';

/** A worker thread's entry: imports the actor module the host names, then runs it (see `runActorWorker`). */
const { module } = workerData as WorkerData;
const mod = (await import(module)) as { default?: unknown };
runActorWorker(mod.default);
