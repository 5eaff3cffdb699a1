import { Worker, type ResourceLimits } from 'node:worker_threads';
import { toErrorInfo, type ErrorInfo } from './errors.js';
import type { ActorHost, HostListener } from './host.js';
import type { Address } from './message.js';
import { BEAT_INDEX, CONTROL_BYTES, IN_HAND_INDEX, type HostToRunner, type RunnerToHost, type WorkerBoot } from './protocol.js';

/** From sources (vitest) the worker needs tsx's loader; from dist/ it runs the built file. */
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./worker-entry.dev.mjs', import.meta.url)
  : new URL('./worker-entry.js', import.meta.url);

export interface WorkerHostOptions {
  address: Address;
  module: string;
  args: unknown;
  heartbeatMs: number;
  resourceLimits?: ResourceLimits;
}

/** Runs an actor in a worker thread of its own. */
export class WorkerHost implements ActorHost {
  readonly #options: WorkerHostOptions;
  readonly #listener: HostListener;
  #worker: Worker | undefined;
  #control: SharedArrayBuffer | undefined;
  #lastError: ErrorInfo | undefined;
  #exited: Promise<void> | undefined;
  #expectedExit = false;

  constructor(options: WorkerHostOptions, listener: HostListener) {
    this.#options = options;
    this.#listener = listener;
  }

  get threadId(): number | undefined {
    return this.#worker?.threadId;
  }

  start(snapshot: unknown): void {
    if (!this.#worker) this.#spawn();
    this.#worker!.postMessage({ t: 'init', snapshot } satisfies HostToRunner);
  }

  post(message: HostToRunner): void {
    this.#worker?.postMessage(message);
  }

  heartbeat(): number | undefined {
    return this.#control ? Atomics.load(new Int32Array(this.#control), BEAT_INDEX) : undefined;
  }

  async terminate(): Promise<void> {
    if (!this.#worker) return;
    this.#expectedExit = true;
    const exited = this.#exited;
    await this.#worker.terminate();
    await exited;
  }

  kill(error: ErrorInfo): void {
    if (!this.#worker) return;
    this.#lastError = error;
    void this.#worker.terminate();
  }

  #spawn(): void {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const boot: WorkerBoot = {
      address: this.#options.address,
      module: this.#options.module,
      args: this.#options.args,
      control,
      heartbeatMs: this.#options.heartbeatMs,
    };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: boot,
      name: this.#options.address,
      ...(this.#options.resourceLimits ? { resourceLimits: this.#options.resourceLimits } : {}),
    });
    this.#worker = worker;
    this.#control = control;
    this.#lastError = undefined;
    this.#expectedExit = false;
    let exited = false;
    // A commit that reaches us after the exit was handled belongs to a dead incarnation whose messages were
    // already requeued: acting on it would acknowledge the new incarnation's batch and repeat its effects.
    worker.on('message', (event: RunnerToHost) => {
      if (!exited) this.#listener.onEvent(event);
    });
    worker.on('error', (error) => {
      this.#lastError ??= toErrorInfo(error);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        exited = true;
        this.#worker = undefined;
        this.#control = undefined;
        resolve();
        if (this.#expectedExit) return;
        const inHand = new Float64Array(control)[IN_HAND_INDEX]!;
        this.#listener.onThreadExit(
          this.#lastError ?? { name: 'WorkerExit', message: `worker exited with code ${code}`, code: 'ERR_ACTOR_CRASHED' },
          inHand,
        );
      });
    });
  }
}
