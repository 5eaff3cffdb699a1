import { deserialize } from 'node:v8';
import { Deque } from './deque.js';
import type { LinkSegment } from './protocol.js';

/**
 * The supervisor's side of one link (see `LinkSegment`): every segment the sender committed and the
 * receiver has not acknowledged, kept as bytes, never decoded unless a message must go to the dead
 * letters. It outlives both threads, which is how a link loses nothing when either dies.
 */
export class Link<End = unknown> {
  readonly id: number;
  readonly from: End;
  readonly to: End;
  /** The channel's generation: a new one each time it is opened, so a segment sent on a replaced one is noticed. */
  gen = 0;
  /** The last `lseq` acknowledged by the receiver. */
  acked = 0;
  /** Messages kept: sent, not acknowledged. */
  load = 0;
  /** A sender was paused on this link's load: the receiver is released once it is half empty. */
  drainWanted = false;
  /** Crashes of the receiver with a message in hand, by `lseq`; and those that went to the dead letters, which the receiver skips. */
  readonly failures = new Map<number, number>();
  readonly skip = new Set<number>();
  #kept = new Deque<LinkSegment>();
  /** The last `lseq` the sender committed (kept or acknowledged). */
  #last = 0;

  constructor(id: number, from: End, to: End) {
    this.id = id;
    this.from = from;
    this.to = to;
  }

  /** The next `lseq` a new sender thread numbers from. */
  get next(): number {
    return Math.max(this.#last, this.acked) + 1;
  }

  /**
   * Keeps a committed segment until it is acknowledged (the part not acknowledged yet: a receiver may
   * be ahead of the sender's commit reaching this thread). True when it was sent on a channel replaced
   * since, so the receiver may never get it that way: the caller hands it over itself.
   */
  keep(segment: LinkSegment): boolean {
    const last = segment.first + segment.n - 1;
    if (last > this.#last) this.#last = last;
    if (last <= this.acked) return false;
    this.#kept.push(segment);
    this.load += last - Math.max(segment.first - 1, this.acked);
    return segment.gen < this.gen;
  }

  /** The receiver acknowledged every message up to `lseq`. */
  ack(lseq: number): void {
    if (lseq <= this.acked) return;
    for (let segment = this.#kept.peek(); segment && segment.first + segment.n - 1 <= lseq; segment = this.#kept.peek()) this.#kept.shift();
    const oldest = this.#kept.peek();
    this.load = oldest ? this.#lastKept() - Math.max(lseq, oldest.first - 1) : 0;
    this.acked = lseq;
    for (const skipped of this.skip) if (skipped <= lseq) this.skip.delete(skipped);
    for (const failed of this.failures.keys()) if (failed <= lseq) this.failures.delete(failed);
  }

  /** Everything not acknowledged, oldest first: what a receiver's new channel gets again. */
  unacknowledged(): LinkSegment[] {
    return [...this.#kept];
  }

  /** The message `lseq`, decoded from the segment that holds it, when it is kept. */
  find(lseq: number): unknown {
    for (const segment of this.#kept) {
      if (lseq >= segment.first && lseq < segment.first + segment.n) return (deserialize(segment.bytes) as unknown[])[lseq - segment.first];
    }
    return undefined;
  }

  /** Empties the link, returning the messages not acknowledged (their receiver left for good). */
  clear(): { lseq: number; message: unknown }[] {
    const left = [...this.#kept].flatMap((segment) => unread(segment, this.acked));
    this.#kept = new Deque();
    this.load = 0;
    this.acked = this.#last;
    return left;
  }

  #lastKept(): number {
    const segment = this.#kept.at(this.#kept.length - 1);
    return segment ? segment.first + segment.n - 1 : this.acked;
  }
}

/** The messages of `segment` after `acked`, decoded, with their numbers. */
export function unread(segment: LinkSegment, acked: number): { lseq: number; message: unknown }[] {
  const messages = deserialize(segment.bytes) as unknown[];
  const from = Math.max(0, acked + 1 - segment.first);
  return messages.slice(from).map((message, i) => ({ lseq: segment.first + from + i, message }));
}
