import { Worker, type ResourceLimits } from 'node:worker_threads';

/** From sources (vitest) the worker needs tsx's loader; from dist/ it runs the built file. */
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./worker-entry.dev.mjs', import.meta.url)
  : new URL('./worker-entry.js', import.meta.url);

export interface WorkerShape {
  module: string;
  resourceLimits?: ResourceLimits;
}

/**
 * Warm workers, one per actor module (and resource limits), that have already imported the module and
 * wait to be bound to an actor. Starting a thread and importing an actor module takes ~50 ms here, most
 * of it loading the module's dependencies; a spare turns a worker restart into a message.
 */
export class SparePool {
  readonly #spares = new Map<string, Worker>();
  #closed = false;

  /** A worker ready for `shape`: the spare if there is one (replaced in the background), else a new one. */
  take(shape: WorkerShape): Worker {
    const key = keyOf(shape);
    const spare = this.#spares.get(key);
    this.#spares.delete(key);
    setImmediate(() => this.#replenish(key, shape));
    if (!spare) return spawnWorker(shape);
    spare.removeAllListeners();
    spare.ref();
    return spare;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const spares = [...this.#spares.values()];
    this.#spares.clear();
    await Promise.all(spares.map((worker) => worker.terminate()));
  }

  #replenish(key: string, shape: WorkerShape): void {
    if (this.#closed || this.#spares.has(key)) return;
    const worker = spawnWorker(shape);
    // An idle spare must not keep the process alive, nor outlive a module that fails to load.
    worker.unref();
    worker.on('error', () => {});
    worker.once('exit', () => {
      if (this.#spares.get(key) === worker) this.#spares.delete(key);
    });
    this.#spares.set(key, worker);
  }
}

export function spawnWorker(shape: WorkerShape): Worker {
  return new Worker(WORKER_ENTRY, {
    workerData: { module: shape.module },
    ...(shape.resourceLimits ? { resourceLimits: shape.resourceLimits } : {}),
  });
}

function keyOf(shape: WorkerShape): string {
  return `${shape.module}\n${JSON.stringify(shape.resourceLimits ?? {})}`;
}
