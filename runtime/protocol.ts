import type { ErrorInfo } from './errors.js';
import type { MessagePort } from 'node:worker_threads';
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
  /** `skip`: messages on links that crashed the actor `maxFailures` times: taken as processed, unread (see `LinkSkip`). */
  | { t: 'init'; snapshot: Snapshot | undefined; skip?: LinkSkip[] }
  | Batch
  | LinkOpen
  | { t: 'unlink'; id: number }
  /** A segment the supervisor hands over itself: again after a link's channel was replaced, or one sent on a channel replaced since. */
  | { t: 'segment'; segment: LinkSegment }
  | { t: 'reply'; cid: number; ok: true; value: Message }
  | { t: 'reply'; cid: number; ok: false; error: ErrorInfo }
  /** The actor's gate was opened again (see `Gate`): it goes on with what it was holding back. */
  | { t: 'gate' }
  | { t: 'stop' };

/** Effects an actor emitted: sends, requests and replies. They leave the actor only on commit. */
export type Outgoing =
  | { k: 'send'; to: Address; message: Message }
  | { k: 'request'; to: Address; message: Message; cid: number }
  | { k: 'reply'; to: Address; message: Message; cid: number };

/**
 * Everything up to `seq` was processed and its effects are in `out` (routed by the host) and `segments`
 * (sent on links, kept by the host until their receiver acknowledges them): the host stores the snapshot
 * and acknowledges. `seq` 0 acknowledges nothing (timers, awaits). No `snapshot`: the state did not change
 * since the last one sent (or the actor keeps none). `acks` are per inbound link, `rejected` the link
 * messages the actor's schema refused, for the dead letters.
 */
export interface Commit {
  t: 'commit';
  seq: number;
  out: Outgoing[];
  snapshot?: Snapshot;
  segments?: LinkSegment[];
  acks?: [link: number, lseq: number][];
  rejected?: LinkRejected[];
}

export type RunnerToHost =
  /** The worker imported its actor module (before `bind`): for the spare pool, which the host ignores. */
  | { t: 'loaded' }
  /**
   * A while after `loaded`, from a thread that loaded a bundle (see `runtime/bundle-loader.cjs`): whether
   * V8 compiled it from the code cache it was handed; when not, a cache for the threads after it.
   */
  | { t: 'compiled'; fromCache: boolean; codeCache?: Uint8Array }
  | { t: 'ready' }
  | Commit
  /** `link`: the link the message in hand came by (absent: the mailbox). */
  | { t: 'crash'; seq: number; link?: number; error: ErrorInfo }
  | { t: 'stopped'; normal: boolean; snapshot?: Snapshot };

/** What a worker thread is started with, before it knows which actor it runs. */
export interface WorkerData {
  /** The actor module (URL). */
  module: string;
  /** Its bundle's path, when the thread loads that instead (see `bundleOf`). */
  bundle?: string;
  /** V8's code cache of the bundle, made by an earlier thread. */
  codeCache?: Uint8Array;
}

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
 * Layout of the control buffer: the heartbeat counter (Int32, Atomics), the sequence number of the
 * message in hand (Float64: sequence numbers outgrow 2^31 within minutes at full speed) and the link it
 * came by (0: the mailbox). The in-hand slots are read after the worker exited, when nothing writes them
 * any more. Then the actor's gate (see `Gate`), which the supervisor writes and the worker reads while
 * both run, so through Atomics: whether it has one (Int32 index 1) and its deadline (BigInt64 index 3).
 */
export const CONTROL_BYTES = 32;
export const BEAT_INDEX = 0;
export const GATED_INDEX = 1;
export const IN_HAND_INDEX = 1;
export const IN_HAND_LINK_INDEX = 2;
export const GATE_UNTIL_INDEX = 3;

/**
 * Links: a one-way channel from one worker actor to another, so that their sends skip the main thread.
 * Messages on a link are numbered (`lseq`, from 1) by the sender and travel in segments: the messages to
 * one receiver of one commit, serialized once. Each segment goes in the sender's commit to the host,
 * which keeps it (undecoded) until the receiver's commit acknowledges it, and on the link's port to the
 * receiver, which skips what it already processed and waits for gaps to fill.
 */
export interface LinkSegment {
  /** The link, system-wide. */
  id: number;
  /** `lseq` of the first message; `n` messages follow in order. */
  first: number;
  n: number;
  /** The channel generation the sender posted it on (0: none yet): the host hands over itself what went to a replaced one. */
  gen: number;
  /** `v8.serialize` of the messages array. */
  bytes: Uint8Array;
}

/** Opens or replaces a link end in a worker: `port` is absent while the other end has no thread. */
export interface LinkOpen {
  t: 'link';
  id: number;
  role: 'out' | 'in';
  /** The other end's address. */
  peer: Address;
  gen: number;
  port?: MessagePort;
  /** For `out`: the next `lseq` to number (after everything the host holds). For `in`: the last acknowledged. */
  lseq: number;
}

export interface LinkSkip {
  link: number;
  lseq: number;
}

export interface LinkRejected {
  link: number;
  lseq: number;
  message: unknown;
  reason: string;
}
