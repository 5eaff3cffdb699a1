import { z } from 'zod';

/** The message a cluster node sends its exchanges at every lease renewal: whose orders may go out, until when. */
export const leasesMessage = z.object({
  type: z.literal('leases'),
  /** Every trader (by address) whose lease this node holds; a trader left out has none here. */
  grants: z.array(z.object({ owner: z.string(), generation: z.number().int().positive(), until: z.number() })),
});

export type LeasesMessage = z.infer<typeof leasesMessage>;

/**
 * Fencing at the exchange actor, where orders leave the node. An order sent under a lease generation
 * goes out only while this node holds that trader's lease at that generation, and only if the trader
 * made it (its `ts`) before the lease's `until`: a trader still running on a node that lost its lease
 * (cut off, or too slow to stop) cannot place an order, even when its node's main thread is too stalled
 * to stop it, while an order that waited behind others in a busy exchange's mailbox still goes. Orders
 * sent without a generation (one process, no cluster) are not fenced.
 */
export class LeaseFence {
  #grants = new Map<string, { generation: number; until: number }>();

  update(message: LeasesMessage): void {
    this.#grants = new Map(message.grants.map((g) => [g.owner, { generation: g.generation, until: g.until }]));
  }

  /** Why an order of `owner` made at `at` under `generation` may not go out, or undefined when it may. */
  refuses(owner: string, generation: number | undefined, at: number): string | undefined {
    if (generation === undefined) return undefined;
    const grant = this.#grants.get(owner);
    if (!grant) return `fenced: this node holds no lease on ${owner}`;
    if (grant.generation !== generation) return `fenced: lease generation ${generation} is stale (now ${grant.generation})`;
    if (at > grant.until) return `fenced: the lease on ${owner} was not renewed in time`;
    return undefined;
  }
}

/**
 * The orders of a `place` message that `fence` refuses, each with the rejection its trader gets (at
 * `now`), and those that may go out. An order without a usable `replyTo` or `ts` is passed on, or
 * judged at `now`: the exchange rejects it for what it lacks.
 */
export function fenceOrders(fence: LeaseFence, orders: readonly unknown[], generation: number | undefined, now: number): { allowed: unknown[]; refused: { replyTo: string; report: FencedReport }[] } {
  if (generation === undefined) return { allowed: [...orders], refused: [] };
  const allowed: unknown[] = [];
  const refused: { replyTo: string; report: FencedReport }[] = [];
  for (const order of orders) {
    const { replyTo, clientOrderId, account, symbol, ts } = (order ?? {}) as Record<string, unknown>;
    const reason = typeof replyTo === 'string' ? fence.refuses(replyTo, generation, typeof ts === 'number' ? ts : now) : undefined;
    if (reason === undefined) allowed.push(order);
    else refused.push({ replyTo: replyTo as string, report: { kind: 'rejected', clientOrderId: String(clientOrderId ?? ''), account: String(account ?? ''), symbol: String(symbol ?? ''), reason, ts: now } });
  }
  return { allowed, refused };
}

export interface FencedReport {
  kind: 'rejected';
  clientOrderId: string;
  account: string;
  symbol: string;
  reason: string;
  ts: number;
}
