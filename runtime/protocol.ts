import type { ErrorInfo } from './errors.js';
import type { Address, Message } from './message.js';
import type { Snapshot } from './snapshot.js';

/**
 * The wire protocol between an actor's host (supervisor side) and its runner (main thread or worker).
 * Plain data only: these objects cross `postMessage`.
 */

/** Messages handed to the actor. Parallel arrays keep a batch of 1,000 one structured-clone of three arrays. */
export interface Batch {
  t: 'batch';
  /** Sequence number of the first message; the rest follow one by one unless `seqs` is given. */
  seq: number;
  /** Sequence numbers, only when they are not consecutive (a message was dropped or dead-lettered). */
  seqs?: number[];
  msgs: Message[];
  /** Delivery count per message, sent only when some message is being redelivered. */
  attempts?: number[];
  /** Requests in the batch: [index, requester address, correlation id]. */
  requests?: [number, Address, number][];
}

export type HostToRunner =
  | { t: 'init'; snapshot: Snapshot | undefined }
  | Batch
  | { t: 'reply'; cid: number; ok: true; value: Message }
  | { t: 'reply'; cid: number; ok: false; error: ErrorInfo }
  | { t: 'stop' };

/** Effects an actor emitted: sends, requests and replies. They leave the actor only on commit. */
export type Outgoing =
  | { k: 'send'; to: Address; message: Message }
  | { k: 'request'; to: Address; message: Message; cid: number }
  | { k: 'reply'; to: Address; message: Message; cid: number };

export type RunnerToHost =
  /** The worker imported its actor module (before `bind`): for the spare pool, which the host ignores. */
  | { t: 'loaded' }
  | { t: 'ready' }
  /**
   * Everything up to `seq` was processed and its effects are in `out`: the host routes them, stores the
   * snapshot and acknowledges. `seq` 0 flushes effects without acknowledging anything (timers, awaits).
   * No `snapshot`: the state did not change since the last one sent (or the actor keeps none).
   */
  | { t: 'commit'; seq: number; out: Outgoing[]; snapshot?: Snapshot }
  | { t: 'crash'; seq: number; error: ErrorInfo }
  | { t: 'stopped'; normal: boolean; snapshot?: Snapshot };

/** Binds a started worker (possibly a warm spare) to the actor it will run. */
export interface WorkerBind {
  t: 'bind';
  address: Address;
  args: unknown;
  /** Shared memory the worker writes and the supervisor reads, even after the worker died. */
  control: SharedArrayBuffer;
  heartbeatMs: number;
}

/**
 * Layout of the control buffer: the heartbeat counter (Int32, Atomics) and the sequence number of the
 * message in hand (Float64: sequence numbers outgrow 2^31 within minutes at full speed). The in-hand
 * slot is read after the worker exited, when nothing writes it any more.
 */
export const CONTROL_BYTES = 16;
export const BEAT_INDEX = 0;
export const IN_HAND_INDEX = 1;
