import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { ClusterNode, type ClusterHost } from '../../../adapters/cluster/node.js';
import { clusterNames, type ClusterOptions } from '../../../adapters/cluster/options.js';
import { NATS_URL, natsReachable } from '../../helpers/cluster-nodes.js';
import { tcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';

const nats = await natsReachable();
const TRADERS = ['t1', 't2', 't3', 't4', 't5'];

/** What a node's host was asked, in order, with this process's clock. */
interface Recorded {
  at: number;
  node: string;
  what: 'start' | 'graceful' | 'fenced';
  traderId: string;
}

describe.skipIf(!nats)('ClusterNode against NATS (needs nats-server with JetStream at 127.0.0.1:4222)', () => {
  const log: Recorded[] = [];
  const running = new Map<string, string>();
  /** Thrown inside a node, an assertion would be taken for a failed start: recorded, and checked by each test. */
  const twice: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    log.length = 0;
    running.clear();
    twice.length = 0;
  });

  /** A host that runs traders in a map: a trader may never run on two nodes at once. */
  const host = (node: string): ClusterHost => ({
    start: async (traderId) => {
      log.push({ at: Date.now(), node, what: 'start', traderId });
      if (running.has(traderId)) twice.push(`${traderId} started on ${node} while running on ${running.get(traderId)}`);
      running.set(traderId, node);
    },
    stop: async (traderId, how) => {
      log.push({ at: Date.now(), node, what: how, traderId });
      if (running.get(traderId) === node) running.delete(traderId);
    },
    grant: () => {},
  });

  async function cluster(name: string) {
    const cleanup = await connect({ servers: NATS_URL });
    closers.push(async () => {
      const jsm = await jetstreamManager(cleanup);
      for (const bucket of [clusterNames(name).leases, clusterNames(name).nodes]) await jsm.streams.delete(`KV_${bucket}`).catch(() => {});
      await cleanup.close();
    });
    return async (id: string, via?: TcpProxy) => {
      const nc: NatsConnection = await connect({ servers: via?.url ?? NATS_URL, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      const options: ClusterOptions = { name, node: id, servers: [NATS_URL], leaseTtlMs: 1_500, renewMs: 100, fenceAfterMs: 700 };
      const node = new ClusterNode({ cluster: options, host: host(id), traders: TRADERS, log: pino({ level: 'silent' }) });
      await node.join(nc);
      closers.push(async () => {
        await node.leave();
        await nc.close();
      });
      return node;
    };
  }

  const held = (node: ClusterNode) => node.view().leases.filter((l) => l.node === node.id).length;

  test('two nodes share the traders; one that leaves hands its traders over at once', async () => {
    const node = await cluster(`u${process.pid}a`);
    const a = await node('a');
    const b = await node('b');
    await waitFor(() => a.held().length + b.held().length === 5 && Math.abs(a.held().length - b.held().length) === 1, 'the traders split 3/2');
    const bHeld = b.held();
    await b.leave();
    await waitFor(() => a.held().length === 5, 'a to run every trader');
    // Handed over, not timed out: b stopped each gracefully, and no lease was taken from a dead node.
    expect(log.filter((r) => r.node === 'b' && r.what === 'graceful').map((r) => r.traderId).sort()).toEqual([...bHeld].sort());
    expect(a.stats.failovers).toBe(0);
    expect(twice).toEqual([]);
  });

  test('a node cut off from NATS stops its traders before another node starts them, and takes a share again once back', async () => {
    const node = await cluster(`u${process.pid}b`);
    const proxy = await tcpProxy(NATS_URL);
    closers.push(() => proxy.close());
    const a = await node('a');
    const cut = await node('cut', proxy);
    await waitFor(() => held(cut) > 0 && held(a) + held(cut) === 5, 'the traders split');
    const lost = cut.held();
    proxy.down();
    await waitFor(() => a.held().length === 5, 'a to take every trader', 20_000);
    for (const traderId of lost) {
      const fenced = log.find((r) => r.node === 'cut' && r.what === 'fenced' && r.traderId === traderId);
      const started = log.find((r) => r.node === 'a' && r.what === 'start' && r.traderId === traderId);
      expect(fenced, `${traderId} fenced on the cut node`).toBeDefined();
      expect(fenced!.at).toBeLessThan(started!.at);
    }
    expect(a.stats.failovers).toBe(lost.length);
    proxy.up();
    await waitFor(() => held(cut) > 0 && cut.held().length > 0, 'the node back to take a share', 20_000);
    await waitFor(() => a.held().length + cut.held().length === 5, 'every trader running once');
    expect(twice).toEqual([]);
  });
});
