import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../adapters/api/routes/cluster.js';
import { openDatabase, type Database } from '../../../adapters/database/connect.js';
import { callApi } from '../../helpers/api.js';
import { botv3, CLI, root } from '../../helpers/cli.js';
import { NATS_URL, natsReachable, testCluster, type TestCluster } from '../../helpers/cluster-nodes.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { connectStream } from '../../helpers/stream-client.js';
import { tcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';
import { CLEAN_LEDGER, clusterOf, holders, ledger, localStates, runningOn, sendBurst, sendSignals, storedSignals } from './helpers.js';

/**
 * Three `botv3 start --cluster` processes on loopback, one database and the local NATS: traders spread
 * over them, a node killed (SIGKILL) or cut off from NATS while signals keep coming, and a node drained.
 * The tests share one cluster and run in order: the kill leaves two nodes, and the drain starts the
 * killed one again first.
 * They need a PostgreSQL server (`TEST_DATABASE_URL`) and NATS with JetStream (`.ci/run` starts both).
 */
const unavailable = !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set' : !(await natsReachable()) ? `NATS is not reachable at ${NATS_URL}` : undefined;

const TRADERS = Array.from({ length: 9 }, (_, i) => `t${i + 1}`);
/**
 * Leases short enough for quick failovers, with room for a node starved of CPU on a shared machine (a
 * node stalled 1.5 s among the other tests and a process keeping a core busy fenced its traders).
 */
const TIMINGS = { leaseTtlMs: 4_000, renewMs: 200, fenceAfterMs: 2_500 };
/** Waits for the cluster to move: far above a failover's few seconds, for a loaded machine. */
const SETTLE_MS = 60_000;
const TEST = { timeout: 180_000 } as const;

let database: TestDatabaseServer;
let audit: Database;
let proxy: TcpProxy;
let cluster: TestCluster;

const node = (id: string) => cluster.nodes.get(id)!;
const live = (...ids: string[]) => ids.map(node);

/** Waits until every node of `ids` sees exactly those nodes, each holding its fair share (three), and runs each trader on one of them. */
async function spread(ids: string[]): Promise<Record<string, string[]>> {
  let seen: unknown;
  const views = await waitFor(
    async () => {
      const statuses = await Promise.all(live(...ids).map((n) => clusterOf(cluster, n)));
      seen = statuses.map((s) => ({ by: s.node, nodes: s.nodes.map((n) => n.id), held: holders(s), unowned: s.unowned, stats: s.stats }));
      const layouts = statuses.map((s) => JSON.stringify([s.nodes.map((n) => n.id), holders(s), s.unowned]));
      const fair = ids.every((id) => holders(statuses[0]!)[id]?.length === TRADERS.length / ids.length);
      return fair && new Set(layouts).size === 1 && JSON.stringify(statuses[0]!.nodes.map((n) => n.id)) === JSON.stringify([...ids].sort()) && holders(statuses[0]!);
    },
    `${ids.join(', ')} holding three traders each, as every one of them sees it`,
    SETTLE_MS,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(seen)}`);
  });
  await waitFor(async () => Object.values(await runningOn(cluster, live(...ids))).every((on) => on.length === 1), 'every trader running on one node', SETTLE_MS);
  return views;
}

/** Waits until `ids` (as the first of them sees it, when `also` holds of its view) hold every trader between them, each running on one of them. */
async function movedTo(ids: string[], also: (status: ClusterStatus) => boolean): Promise<void> {
  await waitFor(
    async () => {
      const status = await clusterOf(cluster, node(ids[0]!));
      const held = holders(status);
      return also(status) && Object.keys(held).every((n) => ids.includes(n)) && ids.flatMap((n) => held[n] ?? []).length === TRADERS.length;
    },
    `${ids.join(' and ')} holding every trader`,
    SETTLE_MS,
  );
  await waitFor(async () => Object.values(await runningOn(cluster, live(...ids))).every((on) => on.length === 1), `every trader running on ${ids.join(' or ')}`, SETTLE_MS);
}

describe.skipIf(unavailable !== undefined)(`a cluster of three nodes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    database = await freshDatabaseServer();
    audit = await openDatabase({ url: database.url, maximumPoolSize: 2 });
    proxy = await tcpProxy(NATS_URL);
    cluster = await testCluster({
      cli: join(root, CLI),
      databaseUrl: database.url,
      cluster: TIMINGS,
      config: {
        exchanges: { paper: { type: 'paper', seed: 7, timeframe: '1m', candleIntervalMs: 200 } },
        // The tests poll every node's API for the moment the cluster moves.
        api: { rateLimit: { requests: 100_000 } },
        traders: TRADERS.map((id) => ({ id, symbols: ['BTC/USDT'], orderNotional: 100, balances: { USDT: 100_000 } })),
      },
    });
    // Node c reaches NATS through the proxy, to be cut off from it.
    await Promise.all([cluster.start('a'), cluster.start('b'), cluster.start('c', { nats: proxy.url })]);
  }, TEST.timeout);

  // What the nodes logged (warnings and errors) goes with a failure.
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error([...cluster.nodes.values()].map((n) => `node ${n.id}:\n${n.output.join('\n')}`).join('\n\n'))));

  afterAll(async () => {
    await cluster?.close();
    await proxy?.close();
    await audit?.close();
    await database?.close();
  }, TEST.timeout);

  it('spreads the traders evenly, serves each through any node, and streams every node’s events from each', TEST, async () => {
    const held = await spread(['a', 'b', 'c']);
    for (const n of live('a', 'b', 'c')) {
      for (const traderId of TRADERS) {
        const answer = await callApi(n.url, 'GET', `/api/v1/traders/${traderId}`, { token: cluster.token });
        expect({ node: n.id, traderId, status: answer.status, state: answer.body.state }).toEqual({ node: n.id, traderId, status: 200, state: 'running' });
      }
    }
    const list = await callApi(node('a').url, 'GET', '/api/v1/traders', { token: cluster.token });
    expect(list.body.data.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual(TRADERS.map((id) => [id, 'running']));

    // A signal sent to c for a trader b runs: a's stream shows its outcome.
    const traderId = held.b![0]!;
    const stream = await connectStream(node('a').url, cluster.token);
    stream.send({ action: 'subscribe', channel: 'signals', traderId });
    await stream.next((f) => f.type === 'ack' && f.action === 'subscribe', 'the subscription');
    const signal = { id: 'fan-out-1', traderId, strategy: 'x', symbol: 'BTC/USDT', action: 'BUY' };
    expect((await callApi(node('c').url, 'POST', '/api/v1/signals', { token: cluster.token, body: { signals: [signal] } })).status).toBe(202);
    await waitFor(() => stream.events('signals').some((e: { data: { signalId: string } }) => e.data.signalId === 'fan-out-1'), 'b’s signal on a’s stream', SETTLE_MS);
    expect(stream.events('signals')[0]).toMatchObject({ traderId, data: { signalId: 'fan-out-1' } });
    stream.socket.close();

    const create = await callApi(node('a').url, 'POST', '/api/v1/traders', { token: cluster.token, body: { id: 't10', symbols: ['BTC/USDT'] } });
    expect(create.status).toBe(409);
  });

  it('acts on every node from any one: a live order cancelled, the emergency stop and resume, and no trader stopped by hand', TEST, async () => {
    const held = holders(await clusterOf(cluster, node('a')));
    const traderId = held.b![0]!;
    // A buy far below the market rests on b's paper book; c is asked to cancel it.
    const resting = { id: 'rest-1', traderId, strategy: 'x', symbol: 'BTC/USDT', action: 'BUY', price: '1000', quantity: '0.01' };
    expect((await callApi(node('a').url, 'POST', '/api/v1/signals', { token: cluster.token, body: { signals: [resting] } })).status).toBe(202);
    const liveOrders = async () => Object.keys((await callApi(node('c').url, 'GET', `/api/v1/traders/${traderId}`, { token: cluster.token })).body.live?.orders ?? {});
    const [clientOrderId] = await waitFor(async () => {
      const ids = await liveOrders();
      return ids.length === 1 && ids;
    }, 'the limit order live on b', SETTLE_MS);
    const cancel = await callApi(node('c').url, 'DELETE', `/api/v1/orders/${clientOrderId}`, { token: cluster.token });
    expect({ status: cancel.status, traderId: cancel.body.traderId }).toEqual({ status: 202, traderId });
    await waitFor(async () => (await liveOrders()).length === 0, 'the order cancelled on b', SETTLE_MS);

    const stop = await callApi(node('a').url, 'POST', '/api/v1/system/emergency-stop', { token: cluster.token, body: { reason: 'cluster drill', waitMs: 30_000 } });
    expect(stop.status).toBe(200);
    expect(stop.body.traders.map((t: { traderId: string; state: string; mode: string }) => [t.traderId, t.state, t.mode])).toEqual(TRADERS.map((id) => [id, 'flat', 'halted']));
    // A trader on its way to another node (its node starved of CPU past its lease) has no live state for a moment.
    const modes = async (from: string) => (await callApi(node(from).url, 'GET', '/api/v1/traders', { token: cluster.token })).body.data.map((t: { live?: { mode: string } }) => t.live?.mode);
    await waitFor(async () => JSON.stringify(await modes('c')) === JSON.stringify(TRADERS.map(() => 'halted')), 'every trader halted, as c sees it', SETTLE_MS);
    expect((await callApi(node('b').url, 'POST', '/api/v1/system/resume', { token: cluster.token, body: { reason: 'drill over' } })).status).toBe(202);
    await waitFor(async () => (await modes('a')).every((mode: string) => mode === 'active'), 'every trader active again', SETTLE_MS);

    for (const action of ['stop', 'start']) {
      const refused = await callApi(node('a').url, 'POST', `/api/v1/traders/${traderId}/${action}`, { token: cluster.token });
      expect({ action, status: refused.status, message: refused.body.error.message }).toEqual({ action, status: 409, message: expect.stringMatching(/runs in a cluster.*halt it instead/) });
    }
  });

  it('stops the traders of a node cut off from NATS before another node takes them, and takes it back once it reconnects', TEST, async () => {
    const former = await runningOn(cluster, live('c'));
    const cut = TRADERS.filter((t) => former[t]!.length === 1);
    expect(cut).toHaveLength(3);
    // The moment c reports its traders stopped, and the moment a sees them leased elsewhere (before they
    // start there), polled side by side from the cut.
    const stoppedOnC = waitFor(
      async () => {
        const states = await localStates(cluster, node('c'));
        return cut.every((t) => states[t] !== 'running') && Date.now();
      },
      'c’s traders stopped on c',
      SETTLE_MS,
    );
    const takenElsewhere = waitFor(
      async () => {
        const held = holders(await clusterOf(cluster, node('a')));
        return cut.every((t) => held.a?.includes(t) || held.b?.includes(t)) && Date.now();
      },
      'c’s traders leased by a or b',
      SETTLE_MS,
    );
    // A burst to c's traders just before the cut, so that they are cut off with signals in hand: those
    // they had not processed by the time their leases ran out go to their next owners.
    const burst = (await Promise.all(cut.map((traderId) => sendBurst(cluster, node('a'), traderId, 'cut', 1_000)))).flat();
    // Counted from here: on a loaded machine c may have fenced a trader before, when a renewal came late.
    const fencedBefore = (await clusterOf(cluster, node('c'))).stats.fenced;
    proxy.down();
    const [stoppedAt, takenAt] = await Promise.all([stoppedOnC, takenElsewhere]);
    expect(stoppedAt).toBeLessThan(takenAt);
    expect((await clusterOf(cluster, node('c'))).stats.fenced - fencedBefore).toBe(3);
    await waitFor(
      async () => {
        const on = await runningOn(cluster, live('a', 'b'));
        return cut.every((t) => on[t]!.length === 1);
      },
      'c’s traders running on a or b',
      SETTLE_MS,
    );

    proxy.up();
    // A node that rejoins takes its share back, one trader at a time from each node above its share; none runs twice meanwhile.
    let twice: Record<string, string[]> = {};
    await waitFor(
      async () => {
        const on = await runningOn(cluster, live('a', 'b', 'c'));
        twice = { ...twice, ...Object.fromEntries(Object.entries(on).filter(([, nodes]) => nodes.length > 1)) };
        return Object.values(on).filter((nodes) => nodes.includes('c')).length === 3;
      },
      'c running three traders again',
      SETTLE_MS,
    );
    expect(twice).toEqual({});
    await spread(['a', 'b', 'c']);
    await waitFor(async () => (await storedSignals(audit.pool, burst)).length === burst.length, 'every signal of the burst stored', SETTLE_MS);
    expect(await ledger(audit.pool, burst)).toEqual({ ...CLEAN_LEDGER, redelivered: expect.any(Array) });
  });

  it('acts on nothing more once a node frozen past its leases thaws: its traders’ signals are processed once, by their next owners, and none of its late writes is kept', TEST, async () => {
    const frozen = node('c');
    const moved = Object.entries(await runningOn(cluster, [frozen])).flatMap(([t, on]) => (on.length > 0 ? [t] : []));
    const sender = sendSignals(cluster, node('a'), () => TRADERS, 'freeze');
    await waitFor(() => sender.batches >= 5, 'signals flowing', SETTLE_MS);
    // A burst to c's traders, so that c is frozen with signals, orders and rows of them in hand.
    const burst = (await Promise.all(moved.map((traderId) => sendBurst(cluster, node('a'), traderId, 'freeze-burst', 1_000)))).flat();
    // Counted from here, as in the cut above.
    const fencedBefore = (await clusterOf(cluster, frozen)).stats.fenced;
    frozen.freeze();
    const frozenAt = sender.batches;
    await movedTo(['a', 'b'], (status) => JSON.stringify(status.nodes.map((n) => n.id)) === '["a","b"]');
    await waitFor(() => sender.batches >= frozenAt + 5, 'signals after the failover', SETTLE_MS);
    frozen.thaw();
    await waitFor(async () => (await clusterOf(cluster, frozen)).stats.fenced - fencedBefore === 3, 'c’s three traders fenced again', SETTLE_MS);
    await sender.stop();

    expect(sender.refused).toEqual([]);
    const sent = [...sender.sent, ...burst];
    await waitFor(async () => (await storedSignals(audit.pool, sent)).length === sent.length, 'every signal sent stored', SETTLE_MS);
    const { redelivered, ...rest } = await ledger(audit.pool, sent);
    expect(rest).toEqual(CLEAN_LEDGER);
    expect(redelivered.filter((s) => !moved.includes(s.traderId))).toEqual([]);
    await spread(['a', 'b', 'c']);
  });

  it('moves the traders of a node killed mid-stream to the others: every signal stored once, no order twice, positions equal their trades', TEST, async () => {
    const victim = node('b');
    const moved = Object.entries(await runningOn(cluster, [victim])).flatMap(([t, on]) => (on.length > 0 ? [t] : []));
    const failovers = async () => (await Promise.all(live('a', 'c').map((n) => clusterOf(cluster, n)))).reduce((sum, s) => sum + s.stats.failovers, 0);
    const failoversBefore = await failovers();
    const sender = sendSignals(cluster, node('a'), () => TRADERS, 'kill');
    await waitFor(() => sender.batches >= 5, 'signals flowing', SETTLE_MS);
    victim.kill();
    await victim.exited;
    const killedAt = sender.batches;
    await movedTo(['a', 'c'], (status) => JSON.stringify(status.nodes.map((n) => n.id)) === '["a","c"]');
    await waitFor(() => sender.batches >= killedAt + 5, 'signals after the failover', SETTLE_MS);
    await sender.stop();

    expect(sender.refused).toEqual([]);
    await waitFor(async () => (await storedSignals(audit.pool, sender.sent)).length === sender.sent.length, 'every signal sent stored', SETTLE_MS);
    const { redelivered, ...rest } = await ledger(audit.pool, sender.sent);
    expect(rest).toEqual(CLEAN_LEDGER);
    // A signal b stored and was killed before acknowledging comes again to the trader's next owner, which knows it: only b's traders may see one.
    expect(redelivered.filter((s) => !moved.includes(s.traderId))).toEqual([]);
    expect((await failovers()) - failoversBefore).toBe(moved.length);
  });

  it('drains a node while signals keep coming to its traders: it ends holding none, and no signal is missed or given twice', TEST, async () => {
    // b again, restarted: the cluster is three nodes.
    await cluster.start('b');
    const held = await spread(['a', 'b', 'c']);
    const drained = held.b!;
    const sender = sendSignals(cluster, node('a'), () => drained, 'drain');
    await waitFor(() => sender.batches >= 3, 'signals flowing', SETTLE_MS);
    const { stdout } = await botv3(['cluster', 'drain', 'b', '--cluster', NATS_URL, '--name', cluster.name]);
    expect(/^b drained: (.*) moved to the other nodes$/m.exec(stdout)?.[1]?.split(', ').sort()).toEqual(drained);
    expect(Object.values(await runningOn(cluster, live('b'))).flat()).toEqual([]);
    const drainedAt = sender.batches;
    await movedTo(['a', 'c'], (status) => status.nodes.find((n) => n.id === 'b')?.draining === true);
    await waitFor(() => sender.batches >= drainedAt + 3, 'signals after the drain', SETTLE_MS);
    await sender.stop();

    expect(sender.refused).toEqual([]);
    await waitFor(async () => (await storedSignals(audit.pool, sender.sent)).length === sender.sent.length, 'every signal sent stored', SETTLE_MS);
    expect(await ledger(audit.pool, sender.sent)).toEqual({ ...CLEAN_LEDGER, redelivered: [] });
  });
});
