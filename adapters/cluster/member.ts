import { serialize, deserialize } from 'node:v8';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { HubEvent } from '../../actors/events/hub.js';
import type { PlatformControl } from '../../actors/platform/control.js';
import { traderAddress } from '../../actors/platform/tree.js';
import { LeaseTable } from '../../actors/trading/fence.js';
import type { ActorSystem } from '../../runtime/system.js';
import type { ApiCluster } from '../api/cluster.js';
import { ApiError } from '../api/errors.js';
import type { ClusterStatus } from '../api/routes/cluster.js';
import type { ApiServer } from '../api/server.js';
import type { PlatformConfig } from '../config/schema.js';
import { forwardRequest, serveForwarded } from './forward.js';
import { ClusterNode, type ClusterHost } from './node.js';
import { clusterNames, type ClusterNames, type ClusterOptions } from './options.js';
import { SignalBus } from './signals.js';

/** How long a trader given up gracefully may take to have its delivered signals stored. */
const SETTLE_MS = 10_000;

/**
 * This process as a node of a cluster: its NATS connection, the signal stream, its leases, and what the
 * API and the events need of them. Made before the platform starts (the control routes signals through
 * `bus`, the API forwards through `api`), joined once it runs.
 */
export class ClusterMember {
  readonly options: ClusterOptions;
  readonly bus: SignalBus;
  /** The leases this node holds, shared with its exchange actors (`PlatformOptions.leases`). */
  readonly leases: LeaseTable;
  readonly #names: ClusterNames;
  readonly #nc: NatsConnection;
  readonly #log: Logger;
  #node: ClusterNode | undefined;
  readonly #subscriptions: { unsubscribe(): void }[] = [];
  /** Whether the NATS connection is up, as its status events say. */
  #connected = true;

  private constructor(options: ClusterOptions, nc: NatsConnection, bus: SignalBus, leases: LeaseTable, log: Logger) {
    this.options = options;
    this.leases = leases;
    this.#names = clusterNames(options.name);
    this.#nc = nc;
    this.bus = bus;
    this.#log = log;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.#connected = false;
        if (status.type === 'reconnect') this.#connected = true;
      }
    })();
  }

  /** Connects to NATS (reconnecting for ever once connected) and makes the signal stream when needed; `traders` are the shared config's. */
  static async connect(options: ClusterOptions, traders: readonly string[], log: Logger): Promise<ClusterMember> {
    // No async traces: the client would otherwise make an `Error`, stack trace and all, for every request
    // and publish, in case it fails (a signal published is one); a failure still says what failed.
    const nc = await connect({ servers: options.servers, name: `botv3-${options.node}`, maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true });
    try {
      return new ClusterMember(options, nc, await SignalBus.open(nc, clusterNames(options.name)), LeaseTable.create(traders.map(traderAddress)), log);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** What the API forwards through and shows at `GET /cluster`. */
  readonly api: ApiCluster = {
    ownerOf: (traderId) => {
      const owner = this.#node?.ownerOf(traderId);
      return owner !== this.options.node ? owner : undefined;
    },
    // Cut off, this node asks nobody: they would not answer.
    peers: () => (this.#node && this.#connected ? this.#node.view().nodes.map((n) => n.id).filter((id) => id !== this.options.node) : []),
    forward: (node, request, timeoutMs) => {
      if (!this.#connected) return Promise.reject(new ApiError('ERR_UNAVAILABLE', 'this node is cut off from the cluster; ask another node'));
      return forwardRequest(this.#nc, this.#names, this.options.node, node, request, timeoutMs);
    },
    status: (): ClusterStatus => {
      if (!this.#node) throw new Error('the cluster node has not joined yet');
      return { ...this.#node.view(), stats: { ...this.#node.stats }, unsettled: this.bus.unsettled() };
    },
  };

  /** Every event of this node once stored: its signals are acknowledged, and the other nodes' streams get it. */
  observe = (events: readonly HubEvent[]): void => {
    this.bus.observe(events);
    // Structured-clone bytes, not JSON: the events' amounts stay bigints on the other side.
    this.#nc.publish(this.#names.events, serialize({ node: this.options.node, events }));
  };

  /**
   * Joins: answers forwarded requests and drains, passes the other nodes' events to this node's
   * stream, and starts taking leases.
   */
  async join(parts: { system: ActorSystem; control: PlatformControl; api: ApiServer; config: PlatformConfig }): Promise<void> {
    const { system, control, api, config } = parts;
    const self = this.options.node;
    // A cluster's traders are the shared config's, never added or removed while it runs.
    const traders = config.traders.map((t) => t.id);
    // Each held lease gates its trader by its deadline (see `ActorSystem.gate`): a trader whose lease this
    // node did not renew in time acts on nothing more, even before it is stopped, and its signals go to the
    // next owner. The exchange actors read the same leases from shared memory, to fence orders.
    let held = new Map<string, { generation: number; until: number }>();
    // An order its trader made before the deadline may cross it on its way to the exchange: it may still
    // leave until halfway to the earliest moment another node could take the trader (`leaseTtlMs`).
    const inFlight = (this.options.leaseTtlMs - this.options.fenceAfterMs) / 2;
    const host: ClusterHost = {
      start: async (traderId, generation) => {
        await control.adopt(traderId, generation);
        const address = traderAddress(traderId);
        system.gate(address, held.get(traderId)?.until ?? -Infinity);
        // A trader that cannot have its signals is not left running without its lease.
        await this.bus
          .consume(traderId, async (signals) => {
            if (!system.send(address, { type: 'signals', signals })) await system.drained(address);
          })
          .catch(async (error: unknown) => {
            await control.release(traderId);
            throw error;
          });
      },
      stop: async (traderId, how) => {
        // A fenced trader's signals are not acknowledged from here on: the node that takes it gets them again.
        if (how === 'fenced') this.bus.fence(traderId);
        const inbox = this.bus.pause(traderId);
        await control.release(traderId);
        if (how === 'graceful') await this.bus.settled(traderId, SETTLE_MS);
        this.bus.forget(traderId, inbox);
      },
      grant: (leases) => {
        held = new Map(leases.map((lease) => [lease.traderId, lease]));
        for (const traderId of traders) {
          const address = traderAddress(traderId);
          const lease = held.get(traderId);
          if (!lease) {
            this.leases.revoke(address);
            continue;
          }
          this.leases.grant(address, lease.generation, lease.until + inFlight);
          if (system.has(address)) system.gate(address, lease.until);
        }
      },
    };
    this.#node = new ClusterNode({ cluster: this.options, host, traders, log: this.#log });
    this.#subscriptions.push(serveForwarded(this.#nc, this.#names, self, api.fetch));
    this.#subscriptions.push(
      this.#nc.subscribe(this.#names.events, {
        callback: (error, message) => {
          // Other nodes' events are for this node's stream clients only.
          if (error || api.stream.clients === 0) return;
          const { node, events } = deserialize(message.data) as { node: string; events: HubEvent[] };
          if (node !== self) api.stream.publish(events.map((e) => ({ ...e, node })));
        },
      }),
    );
    this.#subscriptions.push(
      this.#nc.subscribe(this.#names.drain(self), {
        callback: (error, message) => {
          if (!error) void this.#node!.drain().then((moved) => message.respond(JSON.stringify({ node: self, moved })));
        },
      }),
    );
    clusterMetrics(api.registry, this);
    await this.#node.join(this.#nc);
  }

  get node(): ClusterNode | undefined {
    return this.#node;
  }

  /** Leaves the cluster (every trader handed over at once, see `ClusterNode.leave`) and closes the connection. */
  async leave(): Promise<void> {
    await this.#node?.leave();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}

/** Per-node metrics at `/metrics`, labelled with the node. */
function clusterMetrics(registry: Registry, member: ClusterMember): void {
  const node = member.options.node;
  const view = () => member.node!.view();
  new Gauge({
    name: 'botv3_cluster_traders',
    help: 'Traders this node runs under a lease',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.set({ node }, member.node!.held().length);
    },
  });
  new Gauge({
    name: 'botv3_cluster_nodes',
    help: 'Live nodes this node sees, itself included',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.set({ node }, view().nodes.length);
    },
  });
  new Gauge({
    name: 'botv3_cluster_unowned_traders',
    help: 'Traders no node holds a live lease on, as this node sees it',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.set({ node }, view().unowned.length);
    },
  });
  new Gauge({
    name: 'botv3_cluster_lease_events',
    help: 'Lease events on this node since it started: acquired, failovers (taken from a node that stopped renewing), fenced, released, renewFailures',
    labelNames: ['node', 'kind'],
    registers: [registry],
    collect() {
      for (const [kind, value] of Object.entries(member.node!.stats)) this.set({ node, kind }, value);
    },
  });
  new Gauge({
    name: 'botv3_cluster_unsettled_signals',
    help: 'Signals delivered to this node’s traders and not stored yet',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.set({ node }, Object.values(member.bus.unsettled()).reduce((a, b) => a + b, 0));
    },
  });
}
