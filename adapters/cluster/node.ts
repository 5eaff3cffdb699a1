import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { ClusterStatus } from '../api/routes/cluster.js';
import { Observed } from './observed.js';
import { clusterNames, type ClusterOptions } from './options.js';
import { placement } from './placement.js';

/** A lease as stored: who holds trader `key`, since when, under which generation (0 until the first renewal says it). */
export interface LeaseValue {
  node: string;
  generation: number;
  acquiredAt: number;
}

/** A node as it announces itself at every renewal. */
export interface NodeValue {
  id: string;
  api: string | null;
  startedAt: number;
  draining: boolean;
}

/** What a node does with the traders it takes and gives up: runs them, stops them, lets their orders out. */
export interface ClusterHost {
  /** Starts trader `traderId` here from the database's state; its orders carry `generation`. */
  start(traderId: string, generation: number): Promise<void>;
  /**
   * Stops it here. `graceful`: what it was sent is worked off and stored first (a rebalance, a drain);
   * `fenced`: its lease is lost, it stops now.
   */
  stop(traderId: string, how: 'graceful' | 'fenced'): Promise<void>;
  /** The traders whose orders may go out from this node now, each until `until` (this machine's clock) unless renewed. */
  grant(leases: { traderId: string; generation: number; until: number }[]): void;
}

/** A trader this node holds a lease on. */
interface Held {
  generation: number;
  /** The lease's latest revision: the next renewal is a compare-and-set on it. */
  revision: number;
  /** When the latest renewal that succeeded was sent: the lease is good until `leaseTtlMs` after. */
  renewedAt: number;
  acquiredAt: number;
  state: 'starting' | 'running' | 'stopping';
}

/** What `GET /cluster` shows of the cluster, as this node sees it (its schema is the API's). */
export type ClusterView = Omit<ClusterStatus, 'stats' | 'unsettled'>;

/** This node's lease counts since it started: failovers are leases taken from a node that stopped renewing them, fenced the traders it stopped for want of a renewal. */
export type ClusterStats = ClusterStatus['stats'];

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * One node's part in placing traders: a lease per trader in a JetStream key-value bucket, renewed by
 * compare-and-set on its revision, its owner's node announced in a second bucket. Every `renewMs` the
 * node renews what it holds, takes free traders up to its share and gives one beyond it away
 * (`placement`). A lease or node that stops changing for `leaseTtlMs` of the observer's clock is dead,
 * and its traders are free; an owner that cannot renew for `fenceAfterMs` stops its traders first, so
 * two nodes never run one trader. The lease's generation (the revision that took it) goes with every
 * order, and a node's exchanges refuse orders of a generation it does not hold (`OrderFence`).
 */
export class ClusterNode {
  readonly #options: ClusterOptions;
  readonly #host: ClusterHost;
  /** Every trader of the cluster: the shared config's, fixed while it runs. */
  readonly #traders: readonly string[];
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #leases: Observed<LeaseValue>;
  readonly #nodes: Observed<NodeValue>;
  readonly #held = new Map<string, Held>();
  /**
   * Per trader, how many takes and stops of it are under way here: one being stopped (given up or
   * fenced) is not taken again until that stop is over, nor while an earlier take is still starting it.
   */
  readonly #busy = new Map<string, number>();
  readonly #startedAt: number;
  readonly stats: ClusterStats = { acquired: 0, failovers: 0, fenced: 0, released: 0, renewFailures: 0 };
  #draining = false;
  #stopped = false;
  #ticking: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #fenceTimer: NodeJS.Timeout | undefined;
  #kv!: { leases: KV; nodes: KV };
  readonly #watches: { stop(): void }[] = [];
  #drained: (() => void)[] = [];

  constructor(options: { cluster: ClusterOptions; host: ClusterHost; traders: readonly string[]; log: Logger; clock?: () => number }) {
    this.#options = options.cluster;
    this.#host = options.host;
    this.#traders = options.traders;
    this.#log = options.log;
    this.#clock = options.clock ?? Date.now;
    this.#leases = new Observed(options.cluster.leaseTtlMs);
    this.#nodes = new Observed(options.cluster.leaseTtlMs);
    this.#startedAt = this.#clock();
  }

  get id(): string {
    return this.#options.node;
  }

  /** Opens the buckets, starts watching them and renews every `renewMs` until `leave()`. */
  async join(nc: NatsConnection): Promise<void> {
    const kvm = new Kvm(nc);
    // The buckets' own TTL only clears what a vanished cluster left: liveness is judged by observers.
    const ttl = Math.max(60_000, this.#options.leaseTtlMs * 10);
    const names = clusterNames(this.#options.name);
    this.#kv = { leases: await kvm.create(names.leases, { history: 1, ttl }), nodes: await kvm.create(names.nodes, { history: 1, ttl }) };
    await this.#watch(this.#kv.leases, this.#leases);
    await this.#watch(this.#kv.nodes, this.#nodes);
    await this.#announce();
    this.#schedule();
    // On a timer of its own: a step waiting on a NATS that does not answer must not hold the fence up.
    this.#fenceTimer = setInterval(() => this.#fence(), Math.max(10, Math.floor(this.#options.renewMs / 2)));
  }

  async #watch<T>(kv: KV, into: Observed<T>): Promise<void> {
    const watch = await kv.watch();
    this.#watches.push(watch);
    void (async () => {
      for await (const entry of watch) {
        into.observe(entry.key, entry.operation === 'PUT' ? entry.json<T>() : undefined, entry.revision, this.#clock());
      }
    })().catch((error: Error) => this.#log.warn({ err: error }, 'cluster watch ended'));
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick().catch((error: Error) => this.#log.warn({ err: error }, 'cluster step failed'));
      void this.#ticking.then(() => this.#schedule());
    }, this.#options.renewMs);
  }

  /** The node that holds trader `traderId` under a live lease (this one or another), or undefined when none does. */
  ownerOf(traderId: string): string | undefined {
    if (this.#held.has(traderId)) return this.id;
    const lease = this.#leases.alive(traderId, this.#clock());
    return lease && lease.value.node !== this.id ? lease.value.node : undefined;
  }

  /** Traders running here. */
  held(): string[] {
    return [...this.#held].filter(([, h]) => h.state === 'running').map(([id]) => id);
  }

  /** Live nodes (this one included) and every live lease, as `GET /cluster` shows them. */
  view(): ClusterView {
    const now = this.#clock();
    const leases = [...this.#leases.living(now)].map(([traderId, seen]) => ({
      traderId,
      node: seen.value.node,
      generation: this.#held.get(traderId)?.generation ?? seen.value.generation,
      heldMs: Math.max(0, now - seen.value.acquiredAt),
      renewedMsAgo: now - seen.seenAt,
    }));
    const nodes = [...this.#nodes.living(now)].map(([id, seen]) => ({
      id,
      api: seen.value.api,
      draining: seen.value.draining,
      startedAt: seen.value.startedAt,
      seenMsAgo: now - seen.seenAt,
      traders: leases.filter((l) => l.node === id).map((l) => l.traderId),
    }));
    const owned = new Set(leases.map((l) => l.traderId));
    return { node: this.id, nodes: nodes.sort((a, b) => a.id.localeCompare(b.id)), leases, unowned: this.#traders.filter((t) => !owned.has(t)) };
  }

  /** Gives every trader away (each stopped gracefully, then its lease deleted) and takes none until the node restarts; resolves with their ids once none is held here. */
  drain(): Promise<string[]> {
    const moved = [...this.#held.keys()];
    this.#draining = true;
    if (this.#held.size === 0) return Promise.resolve(moved);
    return new Promise((resolve) => this.#drained.push(() => resolve(moved)));
  }

  async #announce(): Promise<void> {
    const value: NodeValue = { id: this.id, api: this.#options.api ?? null, startedAt: this.#startedAt, draining: this.#draining };
    await this.#kv.nodes.put(this.id, encode(value));
  }

  async #tick(): Promise<void> {
    await this.#announce().catch(() => this.stats.renewFailures++);
    await Promise.all([...this.#held].map(([traderId, held]) => this.#renew(traderId, held)));
    this.#fence();
    this.#grantNow();
    if (this.#stopped) return;
    const now = this.#clock();
    const nodes = [...this.#nodes.living(now)].filter(([, n]) => !n.value.draining).map(([id]) => id);
    const owners = new Map<string, string>();
    for (const [traderId, seen] of this.#leases.living(now)) owners.set(traderId, seen.value.node);
    for (const traderId of this.#held.keys()) owners.set(traderId, this.id);
    const { take, give } = placement({ self: this.id, nodes: this.#draining ? nodes.filter((n) => n !== this.id) : nodes, traders: this.#traders, owners });
    for (const traderId of take) if (!this.#busy.has(traderId)) void this.#take(traderId);
    // A draining node gives everything away at once; otherwise one trader per step, so a rebalance stops little at a time.
    const giving = this.#draining ? [...this.#held.keys()] : give !== undefined ? [give] : [];
    for (const traderId of giving) if (this.#held.get(traderId)?.state === 'running') void this.#give(traderId);
    if (this.#draining && this.#held.size === 0) for (const done of this.#drained.splice(0)) done();
  }

  async #renew(traderId: string, held: Held): Promise<void> {
    const sentAt = this.#clock();
    try {
      const value: LeaseValue = { node: this.id, generation: held.generation, acquiredAt: held.acquiredAt };
      held.revision = await this.#kv.leases.update(traderId, encode(value), held.revision, this.#options.renewMs * 2);
      held.renewedAt = sentAt;
    } catch (error) {
      this.stats.renewFailures++;
      // Another node holds it now: this one lost it while cut off, and stops at once.
      if (/wrong last sequence/i.test((error as Error).message)) held.renewedAt = -Infinity;
    }
  }

  /** Stops every trader whose lease this node could not renew in `fenceAfterMs`: another node may take it at `leaseTtlMs`. */
  #fence(): void {
    const now = this.#clock();
    for (const [traderId, held] of this.#held) {
      if (now - held.renewedAt <= this.#options.fenceAfterMs) continue;
      this.#held.delete(traderId);
      this.stats.fenced++;
      this.#log.warn({ traderId, node: this.id }, 'lease not renewed in time: trader stopped here');
      this.#grantNow();
      void this.#while(traderId, () => this.#host.stop(traderId, 'fenced').catch((error: Error) => this.#log.error({ err: error, traderId }, 'fenced trader did not stop')));
    }
  }

  /** Runs `work` with trader `traderId` marked busy here. */
  async #while<T>(traderId: string, work: () => Promise<T>): Promise<T> {
    this.#busy.set(traderId, (this.#busy.get(traderId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = this.#busy.get(traderId)! - 1;
      if (left === 0) this.#busy.delete(traderId);
      else this.#busy.set(traderId, left);
    }
  }

  async #take(traderId: string): Promise<void> {
    await this.#while(traderId, () => this.#acquire(traderId));
  }

  async #acquire(traderId: string): Promise<void> {
    if (this.#held.has(traderId)) return;
    const prior = this.#leases.get(traderId);
    const acquiredAt = this.#clock();
    let revision: number;
    try {
      const value = encode({ node: this.id, generation: 0, acquiredAt } satisfies LeaseValue);
      revision = prior ? await this.#kv.leases.update(traderId, value, prior.revision) : await this.#kv.leases.create(traderId, value);
    } catch {
      // Another node was quicker, or the bucket cannot be reached: the next step looks again.
      return;
    }
    const held: Held = { generation: revision, revision, renewedAt: acquiredAt, acquiredAt, state: 'starting' };
    this.#held.set(traderId, held);
    this.stats.acquired++;
    if (prior && prior.value.node !== this.id) this.stats.failovers++;
    this.#grantNow();
    try {
      await this.#host.start(traderId, revision);
      if (this.#held.get(traderId) === held) held.state = 'running';
      // Fenced while it started: the stop then found nothing to stop, so it stops now.
      else await this.#host.stop(traderId, 'fenced');
    } catch (error) {
      // Fenced while it started, the lease is no longer this node's to give up.
      if (this.#held.get(traderId) !== held) return;
      this.#log.error({ err: error, traderId }, 'trader could not start here: lease given up');
      this.#held.delete(traderId);
      this.#grantNow();
      await this.#kv.leases.delete(traderId, { previousSeq: held.revision }).catch(() => {});
    }
  }

  async #give(traderId: string): Promise<void> {
    const held = this.#held.get(traderId)!;
    held.state = 'stopping';
    await this.#while(traderId, async () => {
      await this.#host.stop(traderId, 'graceful').catch((error: Error) => this.#log.error({ err: error, traderId }, 'trader did not stop gracefully'));
      // Fenced while it stopped: the lease is not this node's to delete.
      if (this.#held.get(traderId) !== held) return;
      this.#held.delete(traderId);
      this.#grantNow();
      this.stats.released++;
      await this.#kv.leases.delete(traderId, { previousSeq: held.revision }).catch(() => {});
    });
  }

  #grantNow(): void {
    this.#host.grant([...this.#held].map(([traderId, h]) => ({ traderId, generation: h.generation, until: h.renewedAt + this.#options.fenceAfterMs })));
  }

  /**
   * Leaves the cluster: drains (every trader stopped gracefully, its lease deleted, so that the other
   * nodes take it at once rather than after `leaseTtlMs`), then stops renewing and says goodbye.
   */
  async leave(): Promise<void> {
    await this.drain();
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#fenceTimer);
    await this.#ticking;
    await this.#kv.nodes.delete(this.id).catch(() => {});
    for (const watch of this.#watches) watch.stop();
  }
}
