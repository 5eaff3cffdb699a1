import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundleOf } from './module-url.js';
import type { RunnerToHost, WorkerData } from './protocol.js';

/** From sources (vitest) the worker needs tsx's loader; from dist/ it runs the built file. */
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./worker-entry.dev.mjs', import.meta.url)
  : new URL('./worker-entry.js', import.meta.url);
/** The entry of a thread that loads an actor's bundle: plain CommonJS, beside this module in the sources as in dist/. */
const BUNDLE_LOADER = new URL('./bundle-loader.cjs', import.meta.url);

/**
 * V8's code cache of each bundle (by path), made by the first thread that loaded it: in shared memory,
 * so that handing it to a thousand threads copies nothing.
 */
const codeCaches = new Map<string, Uint8Array>();

/** Spares loading at once: an import is CPU-bound, so more than the cores only costs memory sooner. */
export const LOADING_AT_ONCE = Math.max(2, availableParallelism());

export interface WorkerShape {
  module: string;
  resourceLimits?: ResourceLimits;
}

/**
 * Warm workers, per actor module (and resource limits), that have already imported the module and
 * wait to be bound to an actor. Starting a thread and importing an actor module takes ~50 ms here, most
 * of it loading the module's dependencies; a spare turns a worker restart into a message, and spares
 * asked for ahead (`prewarm`) load side by side while a supervisor starts its children one by one.
 */
export class SparePool {
  /** Spawned spares per shape, oldest first; some may still be loading. */
  readonly #spares = new Map<string, Worker[]>();
  /** Spares asked for and not spawned yet, in order. */
  readonly #wanted: { key: string; shape: WorkerShape }[] = [];
  /** Spares spawned whose module is not imported yet. */
  readonly #loading = new Set<Worker>();
  /**
   * Takes the pool's listeners off a spare it hands out. Only its own: `removeAllListeners()` would also
   * remove the hooks by which a Worker starts delivering 'message' events to a listener added later.
   */
  readonly #detach = new Map<Worker, () => void>();
  #closed = false;

  /** A worker for `shape`: the oldest spare if there is one, else a new one; one spare stays in hand for the next start. */
  take(shape: WorkerShape): Worker {
    const key = keyOf(shape);
    const spare = this.#spares.get(key)?.shift();
    if (!spare) {
      // Spawned here instead: a spare asked for ahead is no longer needed.
      const ahead = this.#wanted.findIndex((w) => w.key === key);
      if (ahead >= 0) this.#wanted.splice(ahead, 1);
    }
    if (!this.#spares.get(key)?.length && !this.#wanted.some((w) => w.key === key)) this.#want(key, shape);
    setImmediate(() => this.#pump());
    if (!spare) return spawnWorker(shape);
    this.#loading.delete(spare);
    this.#detach.get(spare)!();
    spare.ref();
    return spare;
  }

  /**
   * Starts loading a spare for each of `shapes` (a supervisor's worker children, about to start in
   * order), a few at a time, so that each child finds its thread loaded rather than starting one.
   */
  prewarm(shapes: readonly WorkerShape[]): void {
    for (const shape of shapes) this.#want(keyOf(shape), shape);
    this.#pump();
  }

  /** Spares held (loaded or loading), of them loading, and asked for but not spawned yet. */
  get counts(): { held: number; loading: number; wanted: number } {
    return { held: [...this.#spares.values()].reduce((n, list) => n + list.length, 0), loading: this.#loading.size, wanted: this.#wanted.length };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wanted.length = 0;
    const spares = [...this.#spares.values()].flat();
    this.#spares.clear();
    this.#loading.clear();
    this.#detach.clear();
    await Promise.all(spares.map((worker) => worker.terminate()));
  }

  #want(key: string, shape: WorkerShape): void {
    if (!this.#closed) this.#wanted.push({ key, shape });
  }

  /** Spawns wanted spares while fewer than `LOADING_AT_ONCE` are loading. */
  #pump(): void {
    while (!this.#closed && this.#loading.size < LOADING_AT_ONCE && this.#wanted.length > 0) {
      const { key, shape } = this.#wanted.shift()!;
      const worker = spawnWorker(shape);
      // An idle spare must not keep the process alive, nor outlive a module that fails to load.
      worker.unref();
      const ignore = () => {};
      const loaded = () => {
        if (this.#loading.delete(worker)) this.#pump();
      };
      const exited = () => {
        loaded();
        this.#detach.delete(worker);
        const spares = this.#spares.get(key);
        const at = spares?.indexOf(worker) ?? -1;
        if (at >= 0) spares!.splice(at, 1);
      };
      worker.on('error', ignore);
      worker.once('message', loaded);
      worker.once('exit', exited);
      this.#detach.set(worker, () => {
        this.#detach.delete(worker);
        worker.off('error', ignore).off('message', loaded).off('exit', exited);
      });
      this.#loading.add(worker);
      const spares = this.#spares.get(key) ?? [];
      spares.push(worker);
      this.#spares.set(key, spares);
    }
  }
}

/**
 * A thread for `shape`: its module's bundle through the bundle loader when the build made one (with the
 * bundle's code cache once a thread made it, else asking this one for it), else the generic entry.
 */
export function spawnWorker(shape: WorkerShape): Worker {
  const limits = shape.resourceLimits ? { resourceLimits: shape.resourceLimits } : {};
  const bundle = bundleOf(shape.module);
  if (!bundle) return new Worker(WORKER_ENTRY, { workerData: { module: shape.module } satisfies WorkerData, ...limits });
  const path = fileURLToPath(bundle);
  const codeCache = codeCaches.get(path);
  const worker = new Worker(BUNDLE_LOADER, { workerData: { module: shape.module, bundle: path, ...(codeCache ? { codeCache } : {}) } satisfies WorkerData, ...limits });
  if (!codeCache) {
    const keep = (message: RunnerToHost) => {
      if (message.t !== 'compiled') return;
      worker.off('message', keep);
      if (!message.codeCache) return;
      const shared = new Uint8Array(new SharedArrayBuffer(message.codeCache.byteLength));
      shared.set(message.codeCache);
      codeCaches.set(path, shared);
    };
    worker.on('message', keep);
  }
  return worker;
}

function keyOf(shape: WorkerShape): string {
  return `${shape.module}\n${JSON.stringify(shape.resourceLimits ?? {})}`;
}
