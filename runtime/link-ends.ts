import { serialize } from 'node:v8';
import type { MessagePort } from 'node:worker_threads';
import type { Address } from './message.js';
import type { LinkOpen, LinkSegment, Outgoing } from './protocol.js';

/** The sending end of a link: where the next segment goes and how it is numbered. */
interface OutEnd {
  id: number;
  gen: number;
  port: MessagePort | undefined;
  /** `lseq` of the next message. */
  next: number;
}

/**
 * The receiving end: the segments received and not yet acknowledged, kept here rather than in the
 * runner so that a new incarnation in the same thread (after a throw) gets them again.
 */
export interface InEnd {
  port: MessagePort | undefined;
  /** The last `lseq` an incarnation's commit acknowledged. */
  acked: number;
  segments: LinkSegment[];
}

export interface LinkPost {
  port: MessagePort;
  segment: LinkSegment;
}

/** What a flush sends: the effects for the host to route, and the segments for the links. */
export interface SplitEffects {
  direct: Outgoing[];
  /** For the commit; large bytes are moved to the host (see `MOVE_BYTES`). */
  segments: LinkSegment[];
  /** The same segments for the ports, posted after the commit: with their own copy of bytes that are moved. */
  posts: LinkPost[];
}

/**
 * A worker's ends of its links (see `LinkSegment`). The host opens, replaces and closes them; the
 * runner numbers what it sends on them and reads what arrives.
 */
export class LinkEnds {
  readonly #out = new Map<Address, OutEnd>();
  readonly #in = new Map<number, InEnd>();
  /** The live incarnation's way in. */
  #deliver: ((segment: LinkSegment) => void) | undefined;

  get hasOut(): boolean {
    return this.#out.size > 0;
  }

  inbound(id: number): InEnd | undefined {
    return this.#in.get(id);
  }

  /**
   * Opens an end, or replaces its channel: a port already here is closed (what it still held, the host
   * hands over again). A live sender keeps its own numbering, which may be ahead of what the host has seen.
   */
  open(link: LinkOpen): void {
    if (link.role === 'out') {
      const end = this.#out.get(link.peer);
      end?.port?.close();
      this.#out.set(link.peer, { id: link.id, gen: link.gen, port: link.port, next: Math.max(end?.id === link.id ? end.next : 0, link.lseq) });
      return;
    }
    const end = this.#in.get(link.id);
    end?.port?.close();
    link.port?.on('message', (segment: LinkSegment) => this.receive(segment));
    if (end) {
      end.port = link.port;
      end.acked = Math.max(end.acked, link.lseq);
    } else {
      this.#in.set(link.id, { port: link.port, acked: link.lseq, segments: [] });
    }
  }

  /** The peer left for good: sends to it go through the host again (which dead-letters them). */
  close(id: number): void {
    for (const [peer, end] of this.#out) {
      if (end.id !== id) continue;
      end.port?.close();
      this.#out.delete(peer);
    }
    const end = this.#in.get(id);
    end?.port?.close();
    this.#in.delete(id);
  }

  /** A segment from the port or the host: kept until acknowledged, and handed to the live incarnation. */
  receive(segment: LinkSegment): void {
    const end = this.#in.get(segment.id);
    if (!end || segment.first + segment.n - 1 <= end.acked) return;
    end.segments.push(segment);
    this.#deliver?.(segment);
  }

  /** A new incarnation starts: it gets what arrives from now on, and returns what arrived unacknowledged. */
  attach(deliver: (segment: LinkSegment) => void): LinkSegment[] {
    this.#deliver = deliver;
    return [...this.#in.values()].flatMap((end) => end.segments);
  }

  detach(deliver: (segment: LinkSegment) => void): void {
    if (this.#deliver === deliver) this.#deliver = undefined;
  }

  /** An incarnation committed these acknowledgements: what they cover is no longer kept. */
  acknowledge(acks: readonly [number, number][]): void {
    for (const [id, lseq] of acks) {
      const end = this.#in.get(id);
      if (!end || lseq <= end.acked) continue;
      end.acked = lseq;
      end.segments = end.segments.filter((segment) => segment.first + segment.n - 1 > lseq);
    }
  }

  /**
   * Takes the sends to linked peers out of `out`, in order per peer, as one segment per peer. Numbers
   * are given only once the bytes exist, so a message that cannot be serialized leaves no gap.
   */
  split(out: Outgoing[]): SplitEffects {
    let direct: Outgoing[] | undefined;
    let byPeer: Map<OutEnd, unknown[]> | undefined;
    for (let i = 0; i < out.length; i++) {
      const effect = out[i]!;
      const end = effect.k === 'send' ? this.#out.get(effect.to) : undefined;
      if (!end) {
        direct?.push(effect);
        continue;
      }
      direct ??= out.slice(0, i);
      byPeer ??= new Map();
      const messages = byPeer.get(end);
      if (messages) messages.push(effect.message);
      else byPeer.set(end, [effect.message]);
    }
    if (!byPeer) return { direct: out, segments: [], posts: [] };
    const segments: LinkSegment[] = [];
    const posts: LinkPost[] = [];
    for (const [end, messages] of byPeer) {
      const bytes = serialize(messages);
      const segment: LinkSegment = { id: end.id, first: end.next, n: messages.length, gen: end.gen, bytes };
      end.next += messages.length;
      segments.push(segment);
      if (end.port) posts.push({ port: end.port, segment: moves(bytes) ? { ...segment, bytes: new Uint8Array(bytes) } : segment });
    }
    return { direct: direct!, segments, posts };
  }
}

/** Posts segments on their ports: after the commit that carries them left for the host, so the host never misses one a receiver has. */
export function postSegments(posts: readonly LinkPost[]): void {
  for (const { port, segment } of posts) port.postMessage(segment, moves(segment.bytes) ? [segment.bytes.buffer as ArrayBuffer] : []);
}

/**
 * Bytes from this size on are moved to the other thread rather than copied. Moving costs about twice
 * what copying a small segment does (a few KB: a candle, an order, a report); a large one is cheaper
 * to move than to copy.
 */
export const MOVE_BYTES = 64 * 1024;

export function moves(bytes: Uint8Array): boolean {
  return bytes.byteLength >= MOVE_BYTES;
}
