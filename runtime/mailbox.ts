import { Deque } from './deque.js';
import type { Address, Message } from './message.js';

/**
 * What a full mailbox does with one more message:
 * - `backpressure`: the sender is told to wait (`send()` returns false, then `'drain'`); a sender that
 *   ignores it gets `ERR_MAILBOX_FULL`. Actors sending to it are paused instead.
 * - `drop-oldest`: the oldest undelivered message makes room (market-data ticks: only the latest matter).
 * - `drop-newest`: the new message is dropped.
 * Every drop and rejection is counted.
 */
export type OverflowPolicy = 'backpressure' | 'drop-oldest' | 'drop-newest';

export interface Envelope {
  /** Position in this mailbox; assigned once and kept across redeliveries. */
  readonly seq: number;
  readonly message: Message;
  /** Requester's address, for requests. */
  readonly from?: Address;
  /** Correlation id, for requests. */
  readonly cid?: number;
  /** How many times it was handed to the actor. */
  deliveries: number;
  /** How many times the actor crashed with it in hand: the poison count. */
  failures: number;
  /** How much of the capacity it takes (`ActorDefinition.weight`): 1 unless it carries many items. */
  readonly weight: number;
}

export interface MailboxStats {
  enqueued: number;
  acknowledged: number;
  /** Weight acknowledged: what the actor processed, in the units capacity counts. */
  acknowledgedLoad: number;
  dropped: number;
  rejected: number;
  redelivered: number;
}

/** The outcome of a push, so the caller can count and report without inspecting the mailbox. */
export type PushResult =
  | { accepted: true; full: boolean; dropped?: Envelope[] }
  | { accepted: false; reason: 'full' | 'dropped-newest' };

/** The outcomes of nearly every push, made once: a push is on the path of every message. */
const ACCEPTED: PushResult = { accepted: true, full: false };
const ACCEPTED_FULL: PushResult = { accepted: true, full: true };

/**
 * A bounded mailbox, owned by the supervisor side so that it outlives the actor's thread. Capacity
 * counts weight, not messages: a message carrying 1,000 signals takes as much room as 1,000 messages of one.
 *
 * Messages move pending -> in flight (handed to the actor) -> acknowledged (removed). When the actor
 * dies, its in-flight messages go back to the front of the queue, in order, to be delivered again.
 */
export class Mailbox {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly stats: MailboxStats = { enqueued: 0, acknowledged: 0, acknowledgedLoad: 0, dropped: 0, rejected: 0, redelivered: 0 };

  #pending = new Deque<Envelope>(64);
  #inflight = new Deque<Envelope>(64);
  #nextSeq = 1;
  #load = 0;
  #inflightLoad = 0;
  #drainWanted = false;
  #onDrain: () => void;

  constructor(options: { capacity: number; overflow: OverflowPolicy; onDrain?: () => void }) {
    this.capacity = options.capacity;
    this.overflow = options.overflow;
    this.#onDrain = options.onDrain ?? (() => {});
  }

  /** Messages not yet acknowledged: pending plus in flight. */
  get size(): number {
    return this.#pending.length + this.#inflight.length;
  }

  /** Their weight, which capacity bounds. */
  get load(): number {
    return this.#load;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  get inflightCount(): number {
    return this.#inflight.length;
  }

  get isFull(): boolean {
    return this.#load >= this.capacity;
  }

  /** Whether `weight` more fits. An empty mailbox takes any message, however heavy, or it never could. */
  fits(weight: number): boolean {
    return this.#load === 0 || this.#load + weight <= this.capacity;
  }

  /**
   * Queues a message under the overflow policy. With `force`, a `backpressure` mailbox accepts it over
   * capacity: the router uses that for messages an actor already emitted, and pauses that actor instead.
   */
  push(message: Message, meta?: { from?: Address; cid?: number }, force = false, weight = 1): PushResult {
    let dropped: Envelope[] | undefined;
    if (!this.fits(weight)) {
      // Undelivered messages make room, oldest first, when that is enough; else (everything in flight) the new one is dropped.
      const room = this.#inflightLoad === 0 || this.#inflightLoad + weight <= this.capacity;
      if (this.overflow === 'drop-newest' || (this.overflow === 'drop-oldest' && !room)) {
        this.stats.dropped++;
        return { accepted: false, reason: 'dropped-newest' };
      }
      if (this.overflow === 'drop-oldest') {
        dropped = [];
        while (!this.fits(weight)) {
          const oldest = this.#pending.shift()!;
          this.#load -= oldest.weight;
          dropped.push(oldest);
          this.stats.dropped++;
        }
      } else if (!force) {
        this.stats.rejected++;
        this.#drainWanted = true;
        return { accepted: false, reason: 'full' };
      }
    }
    // One shape for every envelope, requests or not, so the code that reads them stays monomorphic.
    const envelope: Envelope = { seq: this.#nextSeq++, message, from: meta?.from, cid: meta?.cid, deliveries: 0, failures: 0, weight };
    this.#pending.push(envelope);
    this.#load += weight;
    this.stats.enqueued++;
    const full = this.isFull;
    if (full) this.#drainWanted = true;
    return dropped ? { accepted: true, full, dropped } : full ? ACCEPTED_FULL : ACCEPTED;
  }

  /** Moves up to `max` pending messages in flight and returns them, oldest first. */
  take(max: number): Envelope[] {
    const n = Math.min(max, this.#pending.length);
    const batch = new Array<Envelope>(n);
    for (let i = 0; i < n; i++) {
      const envelope = this.#pending.shift()!;
      envelope.deliveries++;
      batch[i] = envelope;
      this.#inflight.push(envelope);
      this.#inflightLoad += envelope.weight;
    }
    return batch;
  }

  /** Asks for a `'drain'` once the mailbox is at most half full. */
  wantDrain(): void {
    this.#drainWanted = true;
  }

  /** Acknowledges every in-flight message up to and including `seq`. */
  ack(seq: number): number {
    let n = 0;
    let weight = 0;
    while (this.#inflight.length > 0 && this.#inflight.peek()!.seq <= seq) {
      weight += this.#inflight.shift()!.weight;
      n++;
    }
    this.#load -= weight;
    this.#inflightLoad -= weight;
    this.stats.acknowledged += n;
    this.stats.acknowledgedLoad += weight;
    if (this.#drainWanted && this.#load <= this.capacity >>> 1) {
      this.#drainWanted = false;
      this.#onDrain();
    }
    return n;
  }

  /** The actor died: its unacknowledged messages go back to the front of the queue, in order. */
  requeueInflight(): number {
    const n = this.#inflight.length;
    while (this.#inflight.length > 0) this.#pending.unshift(this.#inflight.pop()!);
    this.#inflightLoad = 0;
    this.stats.redelivered += n;
    return n;
  }

  /** Gives back the last `n` messages taken, undelivered (a batch that could not be posted). */
  untake(n: number): void {
    for (let i = 0; i < n && this.#inflight.length > 0; i++) {
      const envelope = this.#inflight.pop()!;
      this.#inflightLoad -= envelope.weight;
      envelope.deliveries--;
      this.#pending.unshift(envelope);
    }
  }

  /** Finds a queued message by its sequence number. */
  find(seq: number): Envelope | undefined {
    for (const envelope of this.#pending) if (envelope.seq === seq) return envelope;
    for (const envelope of this.#inflight) if (envelope.seq === seq) return envelope;
    return undefined;
  }

  /** Takes a pending message out of the queue (a poison message on its way to the dead letters). */
  remove(seq: number): Envelope | undefined {
    let i = 0;
    for (const envelope of this.#pending) {
      if (envelope.seq === seq) {
        this.#load -= envelope.weight;
        return this.#pending.removeAt(i);
      }
      i++;
    }
    return undefined;
  }

  /** Empties the mailbox, returning what was in it (for an actor that is stopped for good). */
  clear(): Envelope[] {
    const all = [...this.#inflight, ...this.#pending];
    this.#inflight = new Deque(64);
    this.#pending = new Deque(64);
    this.#load = 0;
    this.#inflightLoad = 0;
    return all;
  }
}
