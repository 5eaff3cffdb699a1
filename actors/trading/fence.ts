import type { ActorContext } from '../../runtime/actor.js';
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
   * Why an order of `owner` sent under `generation` may never leave from this node, or undefined when
   * it may once the lease is current (see `lapsed`): the node holds no lease on it, holds it under
   * another generation, or knows it lost (a deadline of 0, see `grant`). Orders sent without a
   * generation (one process, no cluster) are not fenced.
   */
  refuses(owner: string, generation: number | undefined): string | undefined {
    if (generation === undefined) return undefined;
    const held = this.#generation(owner);
    if (held === 0) return `fenced: this node holds no lease on ${owner}`;
    if (held !== generation) return `fenced: lease generation ${generation} is stale (now ${held})`;
    if (this.#deadline(owner) === 0) return `fenced: this node lost the lease on ${owner}`;
    return undefined;
  }

  /** Whether the deadline of the lease held on `owner` passed at `now`: it is renewed late, or lost. */
  lapsed(owner: string, now: number): boolean {
    return now > this.#deadline(owner);
  }

  #deadline(owner: string): number {
    return Number(Atomics.load(this.#cells, this.#slot(owner) + 1));
  }

  #slot(owner: string): number {
    const slot = this.#slots.get(owner);
    if (slot === undefined) throw new Error(`${owner} is not a trader of this cluster`);
    return slot * SLOT;
  }
}

/** How often an exchange actor judges its held orders again: a renewal is in the table within a turn of the node's main thread. */
const UNFENCE_MS = 20;

/** An order as it reaches an exchange actor: with the lease generation its trader sent it under (none in one process). */
export interface SentOrder {
  order: unknown;
  generation: number | undefined;
}

/** An order held where it would leave, while its trader's lease lapsed. */
export interface LapsedOrder extends SentOrder {
  generation: number;
}

/** A fenced order's report, and the trader it goes to. */
export interface Fenced {
  replyTo: string;
  report: FencedReport;
}

/**
 * Fencing where orders leave the node. An order sent under a lease generation leaves only while this
 * node holds that trader's lease at that generation and within its deadline, judged as it leaves (by
 * then another node may be about to take the trader, and send the same order itself), even when the
 * node's main thread is too stalled to stop the trader.
 *
 * Past the deadline under the generation still held, the lease is late, not lost: the node's main
 * thread renews it or gives the trader up soon. The order, and every later one of its trader, waits
 * here in order (`release` says when to judge them again): sent once the lease is renewed, fenced once
 * it is lost. A fenced order never left, and its trader leaves it new: the trader's next owner finds it
 * unknown to the exchange and sends it under its own generation (see `TraderCore.onReconciled`).
 * Without a table (one process), nothing is fenced.
 *
 * @example
 * const fence = new OrderFence(leases, state.lapsed); // the held orders are the actor's state: they outlive its thread
 * const verdict = fence.admit(order, msg.generation, Date.now());
 * if (verdict === 'go') place(order);
 * else if (verdict !== 'held') send(verdict.replyTo, [verdict.report]);
 * fence.judgeAgainSoon(ctx); // on `unfence`, each of `fence.release(Date.now())` is admitted again
 */
export class OrderFence {
  readonly #leases: LeaseTable | undefined;
  /** Held orders by trader address, in the order sent. */
  readonly #lapsed: Record<string, LapsedOrder[]>;

  constructor(leases: LeaseTable | undefined, lapsed: Record<string, LapsedOrder[]>) {
    this.#leases = leases;
    this.#lapsed = lapsed;
  }

  /** Whether orders are held: the actor asks `release` again soon. */
  get holding(): boolean {
    for (const _ in this.#lapsed) return true;
    return false;
  }

  /** While orders are held, has the actor's `unfence` timer send it `{ type: 'unfence' }` (it then calls `release`) in `ms`. */
  judgeAgainSoon(ctx: ActorContext, ms = UNFENCE_MS): void {
    if (this.holding) ctx.setTimer('unfence', ms, { type: 'unfence' });
  }

  /**
   * `go`: the order may leave now; `held`: it waits here; else its rejection. An order without a usable
   * `replyTo` may go, and the exchange rejects it for what it lacks.
   */
  admit(order: unknown, generation: number | undefined, now: number): 'go' | 'held' | Fenced {
    const replyTo = (order as { replyTo?: unknown } | undefined)?.replyTo;
    if (!this.#leases || generation === undefined || typeof replyTo !== 'string') return 'go';
    const queue = this.#lapsed[replyTo];
    if (queue) {
      queue.push({ order, generation });
      return 'held';
    }
    const reason = this.#leases.refuses(replyTo, generation);
    if (reason !== undefined) return fencedReport(order, replyTo, reason, now);
    if (!this.#leases.lapsed(replyTo, now)) return 'go';
    this.#lapsed[replyTo] = [{ order, generation }];
    return 'held';
  }

  /** Takes out, in order, the held orders of every trader whose lease was renewed or lost since: each goes through `admit` again. */
  release(now: number): LapsedOrder[] {
    const out: LapsedOrder[] = [];
    for (const [owner, queue] of Object.entries(this.#lapsed)) {
      if (this.#leases!.lapsed(owner, now) && this.#leases!.refuses(owner, queue[0]!.generation) === undefined) continue;
      delete this.#lapsed[owner];
      out.push(...queue);
    }
    return out;
  }
}

function fencedReport(order: unknown, replyTo: string, reason: string, now: number): Fenced {
  const { clientOrderId, account, symbol } = order as Record<string, unknown>;
  return { replyTo, report: { kind: 'fenced', clientOrderId: String(clientOrderId ?? ''), account: String(account ?? ''), symbol: String(symbol ?? ''), reason, ts: now } };
}

/** An order fenced where it would leave: it never reached the exchange. */
export interface FencedReport {
  kind: 'fenced';
  clientOrderId: string;
  account: string;
  symbol: string;
  reason: string;
  ts: number;
}
