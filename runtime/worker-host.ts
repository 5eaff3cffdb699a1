import type { ResourceLimits, Worker } from 'node:worker_threads';
import { toErrorInfo, type ErrorInfo } from './errors.js';
import { Gate } from './gate.js';
import type { ActorHost, HostListener } from './host.js';
import type { Address } from './message.js';
import { BEAT_INDEX, CONTROL_BYTES, IN_HAND_INDEX, IN_HAND_LINK_INDEX, type HostToRunner, type LinkOpen, type LinkSkip, type RunnerToHost, type WorkerBind } from './protocol.js';
import type { Snapshot } from './snapshot.js';
import { spawnWorker, type SparePool, type WorkerShape } from './spare-pool.js';

export interface WorkerHostOptions {
  address: Address;
  module: string;
  args: unknown;
  heartbeatMs: number;
  resourceLimits?: ResourceLimits;
  /** Warm workers to start from; without it every start spawns a thread. */
  spares?: SparePool;
}

/** Runs an actor in a worker thread of its own. */
export class WorkerHost implements ActorHost {
  readonly #options: WorkerHostOptions;
  readonly #shape: WorkerShape;
  readonly #listener: HostListener;
  #worker: Worker | undefined;
  /** The live worker's heartbeat counter, a view on its control buffer. */
  #beats: Int32Array | undefined;
  /** The live worker's gate, and its deadline, which a new worker gets too. */
  #gate: Gate | undefined;
  #gateUntil: number | undefined;
  #lastError: ErrorInfo | undefined;
  #exited: Promise<void> | undefined;
  #expectedExit = false;

  constructor(options: WorkerHostOptions, listener: HostListener) {
    this.#options = options;
    this.#shape = { module: options.module, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) };
    this.#listener = listener;
  }

  get threadId(): number | undefined {
    return this.#worker?.threadId;
  }

  get hasThread(): boolean {
    return this.#worker !== undefined;
  }

  start(snapshot: Snapshot | undefined, skip?: LinkSkip[]): void {
    if (!this.#worker) this.#spawn();
    this.#worker!.postMessage((skip && skip.length > 0 ? { t: 'init', snapshot, skip } : { t: 'init', snapshot }) satisfies HostToRunner);
  }

  openLink(link: LinkOpen): void {
    this.#worker?.postMessage(link, link.port ? [link.port] : []);
  }

  post(message: HostToRunner): void {
    this.#worker?.postMessage(message);
  }

  gate(until: number | undefined): void {
    this.#gateUntil = until;
    if (this.#gate?.set(until)) this.post({ t: 'gate' });
  }

  heartbeat(): number | undefined {
    return this.#beats ? Atomics.load(this.#beats, BEAT_INDEX) : undefined;
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
    this.#gate = new Gate(control);
    this.#gate.set(this.#gateUntil);
    const worker = this.#options.spares ? this.#options.spares.take(this.#shape) : spawnWorker(this.#shape);
    worker.postMessage({
      t: 'bind',
      address: this.#options.address,
      args: this.#options.args,
      control,
      heartbeatMs: this.#options.heartbeatMs,
    } satisfies WorkerBind);
    this.#worker = worker;
    this.#beats = new Int32Array(control);
    this.#lastError = undefined;
    this.#expectedExit = false;
    this.#listener.onThreadStarted();
    let exited = false;
    // A commit that reaches us after the exit was handled belongs to a dead incarnation whose messages were
    // already requeued: acting on it would acknowledge the new incarnation's batch and repeat its effects.
    worker.on('message', (event: RunnerToHost) => {
      if (!exited && event.t !== 'loaded' && event.t !== 'compiled') this.#listener.onEvent(event);
    });
    worker.on('error', (error) => {
      this.#lastError ??= toErrorInfo(error);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        exited = true;
        this.#worker = undefined;
        this.#beats = undefined;
        this.#gate = undefined;
        resolve();
        if (this.#expectedExit) return;
        const inHand = new Float64Array(control);
        this.#listener.onThreadExit(
          this.#lastError ?? { name: 'WorkerExit', message: `worker exited with code ${code}`, code: 'ERR_ACTOR_CRASHED' },
          inHand[IN_HAND_INDEX]!,
          inHand[IN_HAND_LINK_INDEX]!,
        );
      });
    });
  }
}
