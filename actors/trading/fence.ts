import { deadlineBits } from '../../runtime/gate.js';

/**
 * The leases a cluster node holds, in memory its threads share: one slot per trader of the shared
 * config (by its actor address), each the generation this node holds it under (0: none) and the
 * deadline (`Date.now()` ms) until which its orders may leave unless the lease is renewed. The node's
 * main thread writes it at every renewal; the exchange actors read it in their own threads at the
 * moment an order leaves, so their view is never behind the node's, however long their mailboxes are.
 */
export interface SharedLeases {
  buffer: SharedArrayBuffer;
  /** Trader addresses, in slot order. */
  owners: readonly string[];
}

/** Slot `i`: generation at BigInt64 index `2i`, deadline at `2i + 1`. */
const SLOT = 2;

export class LeaseTable {
  readonly shared: SharedLeases;
  readonly #cells: BigInt64Array;
  readonly #slots: Map<string, number>;

  constructor(shared: SharedLeases) {
    this.shared = shared;
    this.#cells = new BigInt64Array(shared.buffer);
    this.#slots = new Map(shared.owners.map((owner, i) => [owner, i]));
  }

  /** A table for `owners`, none of them held. */
  static create(owners: readonly string[]): LeaseTable {
    return new LeaseTable({ buffer: new SharedArrayBuffer(owners.length * SLOT * BigInt64Array.BYTES_PER_ELEMENT), owners: [...owners] });
  }

  /** This node holds `owner` under `generation` until `until`; -Infinity: held, but known lost. */
  grant(owner: string, generation: number, until: number): void {
    const slot = this.#slot(owner);
    // The deadline first: a reader that sees the generation sees this deadline or a later one.
    Atomics.store(this.#cells, slot + 1, deadlineBits(until));
    Atomics.store(this.#cells, slot, BigInt(generation));
  }

  /** The generation this node holds `owner` under; 0 when it holds no lease on it. */
  #generation(owner: string): number {
    const slot = this.#slots.get(owner);
    return slot === undefined ? 0 : Number(Atomics.load(this.#cells, slot * SLOT));
  }

  revoke(owner: string): void {
    Atomics.store(this.#cells, this.#slot(owner), 0n);
  }

  /**
   * Why an order of `owner` sent under `generation` may not leave at `now`, or undefined when it may.
   * Orders sent without a generation (one process, no cluster) are not fenced.
   */
  refuses(owner: string, generation: number | undefined, now: number): string | undefined {
    if (generation === undefined) return undefined;
    const held = this.#generation(owner);
    if (held === 0) return `fenced: this node holds no lease on ${owner}`;
    if (held !== generation) return `fenced: lease generation ${generation} is stale (now ${held})`;
    if (now > Number(Atomics.load(this.#cells, this.#slot(owner) + 1))) return `fenced: the lease on ${owner} was not renewed in time`;
    return undefined;
  }

  #slot(owner: string): number {
    const slot = this.#slots.get(owner);
    if (slot === undefined) throw new Error(`${owner} is not a trader of this cluster`);
    return slot * SLOT;
  }
}

/**
 * Fencing where orders leave the node: an order sent under a lease generation leaves only while this
 * node holds that trader's lease at that generation and within its deadline, judged when it leaves (by
 * then another node may be about to take the trader, and send the same order itself), even when the
 * node's main thread is too stalled to stop the trader. Returns the rejection its trader gets, or
 * undefined when it may go; an order without a usable `replyTo` may go, and the exchange rejects it for
 * what it lacks. Without a table (one process), nothing is fenced.
 */
export function fenceOrder(leases: LeaseTable | undefined, order: unknown, generation: number | undefined, now: number): { replyTo: string; report: FencedReport } | undefined {
  const { replyTo, clientOrderId, account, symbol } = (order ?? {}) as Record<string, unknown>;
  if (!leases || typeof replyTo !== 'string') return undefined;
  const reason = leases.refuses(replyTo, generation, now);
  if (reason === undefined) return undefined;
  return { replyTo, report: { kind: 'rejected', clientOrderId: String(clientOrderId ?? ''), account: String(account ?? ''), symbol: String(symbol ?? ''), reason, ts: now } };
}

export interface FencedReport {
  kind: 'rejected';
  clientOrderId: string;
  account: string;
  symbol: string;
  reason: string;
  ts: number;
}
