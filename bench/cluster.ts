import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type DatabasePool } from 'slonik';
import WebSocket from 'ws';
import { z } from 'zod';
import { openDatabase } from '../adapters/database/connect.js';
import type { ClusterStatus } from '../adapters/api/routes/cluster.js';
import { NATS_URL, natsReachable, testCluster, type NodeProcess, type TestCluster } from '../test/helpers/cluster-nodes.js';
import { until } from './api.js';
import { benchDatabase } from './persistence.js';
import { latencyHistogram, type Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** The built CLI the nodes run, as users start them (dist/bench/ → dist/adapters/cli/). */
const CLI = fileURLToPath(new URL('../adapters/cli/main.js', import.meta.url));
const TRADERS = Array.from({ length: 6 }, (_, i) => `t${i}`);
const SYMBOL = 'BTC/USDT';
/** One config for the single process and every node; the limiter would answer 429 to a load of one token. */
const CONFIG = {
  traders: TRADERS.map((id) => ({ id, symbols: [SYMBOL], balances: { USDT: 100_000 }, orderNotional: 1_000 })),
  exchanges: { paper: { type: 'paper', seed: 42 } },
  api: { rateLimit: { requests: 1_000_000, windowMs: 1_000 } },
};
/** Signals per request and requests in flight for the throughput runs, as a busy signal source sends them. */
const BATCH = 100;
const IN_FLIGHT = 4;
/** Single-signal requests/s to one node for traders another node runs; and a tenth of it, well within what the machine takes. */
const RATE = 1_000;
const LIGHT_RATE = 100;
/** While nodes are killed, a signal to every trader this often, through the node never killed. */
const TRICKLE_MS = 50;
/** The node that takes the bench's requests and whose stream it reads: the others are killed by turns. */
const INGRESS = 'a';
const VICTIMS = ['b', 'c'];
const SETTLE_MS = 60_000;
/** How long the outcomes of signals sent at a fixed rate may come after the last is sent. */
const DRAIN_MS = 60_000;
/** A trader of a killed node not processing again in this long counts as this long. */
const FAILOVER_TIMEOUT_MS = 30_000;
/** A signal accepted and not stored once none more is for this long is lost: longer than JetStream's ack wait (60 s), after which it would come again. */
const QUIET_MS = 70_000;
const COUNT = z.object({ count: z.number() });
const IDS: readonly Ids[] = ['client', 'API'];
const OUTCOMES = new Set(['signal.accepted', 'signal.skipped', 'signal.rejected']);

/**
 * Cluster suite: `botv3 start --cluster` nodes on loopback, with the local NATS (JetStream) and a fresh
 * PostgreSQL database, each node a process of its own running the built CLI, over 6 paper traders:
 * - signals/s through the cluster path (POSTed to the nodes' APIs, published to JetStream, consumed by
 *   each trader's node, stored) with 1, 2 and 3 nodes, against the same config run as one process
 *   (no `--cluster`) with the same client and load, in the same run;
 * - signal POSTed to one node to its processing by a trader on another, at 1,000 single-signal requests/s;
 * - failover: `kill -9` of a node, to the last of its traders processing a signal on another node, over
 *   20 kills (3 with `--quick`), the killed node restarted between them; then, against the database,
 *   every signal accepted by the API in that time stored once, and no order filled twice.
 * Without NATS or PostgreSQL it says so and measures nothing.
 */
export async function clusterSuite(options: SuiteOptions): Promise<Figure[]> {
  if (!(await natsReachable())) {
    options.progress(`cluster: no NATS at ${NATS_URL}, skipped`);
    return [];
  }
  const database = await benchDatabase().catch((error: Error) => {
    options.progress(`cluster: no PostgreSQL (${error.message}), skipped`);
    return undefined;
  });
  if (!database) return [];
  let cluster: TestCluster | undefined;
  let client: ApiClient | undefined;
  const db = await openDatabase({ url: database.url, maximumPoolSize: 2 });
  try {
    cluster = await testCluster({ cli: CLI, config: CONFIG, databaseUrl: database.url });
    client = new ApiClient(cluster.token);
    const bench: ClusterBench = { cluster, db: db.pool, client, options };
    const figures = await throughputAndLatency(bench, database.url);
    figures.push(...(await failoverFigures(bench)));
    return figures;
  } finally {
    client?.close();
    await cluster?.close();
    await db.close();
    await database.drop();
  }
}

/** Where signals go in: a node, or the single process. */
interface Ingress {
  id: string;
  url: string;
  pid: number;
}

const ingressOf = (node: NodeProcess): Ingress => ({ id: node.id, url: node.url, pid: node.child.pid! });

interface ClusterBench {
  cluster: TestCluster;
  db: DatabasePool;
  client: ApiClient;
  options: SuiteOptions;
}

/**
 * One process, then a cluster of one, two and three nodes: throughput, and the latency of single
 * signals at `RATE` (for the cluster, POSTed to one node for traders another runs; and at `LIGHT_RATE`).
 */
async function throughputAndLatency(bench: ClusterBench, databaseUrl: string): Promise<Figure[]> {
  const { cluster, options } = bench;
  const count = options.quick ? 3_000 : 30_000;
  const what = `${count.toLocaleString('en-US')} signals in requests of ${BATCH}, ${IN_FLIGHT} in flight`;
  options.progress(`cluster: the same config as one process (no --cluster): ${what}`);
  const alone = await startAlone(cluster, databaseUrl);
  let single: number;
  const singleLatency = new Map<Ids, Latency>();
  try {
    single = await signalsPerSecond(bench, [alone], count, 'p0');
    for (const ids of IDS) singleLatency.set(ids, await apiToTrader(bench, alone, TRADERS.slice(0, 2), alone.id, { ids, rate: RATE, prefix: `l0${ids}` }));
  } finally {
    await alone.stop();
  }
  const figures: Figure[] = [{ suite: 'cluster', name: 'signals/s, one process (API to stored outcome)', value: single, unit: 'signals/s', better: 'higher' }];
  const nodes: NodeProcess[] = [];
  for (const id of [INGRESS, ...VICTIMS]) {
    nodes.push(await cluster.start(id));
    await settle(bench, nodes.map((n) => n.id));
    options.progress(`cluster: ${nodes.length} node(s), requests spread over their APIs: ${what}`);
    const rate = await signalsPerSecond(bench, nodes.map(ingressOf), count, `p${nodes.length}`);
    options.progress(`cluster: ${nodes.length} node(s): ${(rate / single).toFixed(2)} of one process`);
    const name = `${nodes.length} node${nodes.length > 1 ? 's' : ''}`;
    figures.push(
      { suite: 'cluster', name: `signals/s through the cluster, ${name}`, value: rate, unit: 'signals/s', better: 'higher' },
      { suite: 'cluster', name: `signals/s through the cluster / one process, ${name}`, value: rate / single, unit: 'x', goal: { kind: 'min', value: 0.5 } },
    );
  }
  const owners = await settle(bench, [INGRESS, ...VICTIMS]);
  const other = VICTIMS[0]!;
  const ingress = ingressOf(cluster.nodes.get(INGRESS)!);
  const traders = TRADERS.filter((t) => owners.get(t) === other);
  const light = await apiToTrader(bench, ingress, traders, other, { ids: 'client', rate: LIGHT_RATE, prefix: 'l1light' });
  figures.push({ suite: 'cluster', name: `signal POSTed to one node to processing by a trader on another at ${LIGHT_RATE}/s, ids from the client, p99`, value: light.processed.p99, unit: 'ms', better: 'lower' });
  for (const ids of IDS) {
    const latency = await apiToTrader(bench, ingress, traders, other, { ids, rate: RATE, prefix: `l1${ids}` });
    const name = `signal POSTed to one node to processing by a trader on another at ${RATE.toLocaleString('en-US')}/s, ids from the ${ids}`;
    figures.push(
      { suite: 'cluster', name: `${name}, p50`, value: latency.processed.p50, unit: 'ms' },
      { suite: 'cluster', name: `${name}, p99`, value: latency.processed.p99, unit: 'ms', goal: { kind: 'max', value: 10 } },
      { suite: 'cluster', name: `${name}, to stored and on the first node's stream, p99`, value: latency.seen.p99, unit: 'ms' },
      { suite: 'cluster', name: `signal POSTed to processing by its trader, one process, at ${RATE.toLocaleString('en-US')}/s, ids from the ${ids}, p99`, value: singleLatency.get(ids)!.processed.p99, unit: 'ms', better: 'lower' },
    );
  }
  return figures;
}

/**
 * Signals/s from the first request to every signal's outcome stored: `count` signals to the traders by
 * turns, POSTed in requests of `BATCH` spread over `ingresses`, `IN_FLIGHT` at once; after a tenth as
 * many to warm up. Ids start with `prefix`. Says how much CPU the platform's processes took per signal.
 */
async function signalsPerSecond(bench: ClusterBench, ingresses: Ingress[], count: number, prefix: string): Promise<number> {
  await sendAndStore(bench, ingresses, Math.ceil(count / 10), `${prefix}w`);
  const pids = ingresses.map((i) => i.pid);
  const cpuBefore = cpuSeconds(pids);
  const rate = await sendAndStore(bench, ingresses, count, prefix);
  const cpuAfter = cpuSeconds(pids);
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? `; ${((1_000_000 * (cpuAfter - cpuBefore)) / count).toFixed(0)} us of CPU per signal in ${pids.length > 1 ? 'their processes' : 'its process'}` : '';
  bench.options.progress(`cluster: ${Math.round(rate).toLocaleString('en-US')} signals/s through ${ingresses.map((i) => i.id).join(', ')}${cpu}`);
  return rate;
}

async function sendAndStore(bench: ClusterBench, ingresses: Ingress[], count: number, prefix: string): Promise<number> {
  const signals = Array.from({ length: count }, (_, i) => signal(`${prefix}-${i}`, TRADERS[i % TRADERS.length]!, Math.floor(i / TRADERS.length)));
  const since = Date.now();
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    for (let batch = next++; batch * BATCH < count; batch = next++) {
      await postUntilTaken(bench.client, ingresses[batch % ingresses.length]!.url, signals.slice(batch * BATCH, (batch + 1) * BATCH));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  const stored = await storedSince(bench.db, since, count, 120_000);
  if (stored < count) bench.options.progress(`cluster: warning: ${count - stored} of ${count} signals (${prefix}) not stored after 120 s`);
  return (stored * 1000) / (performance.now() - started);
}

/** CPU seconds (user and system) processes `pids` used so far, from Linux's /proc; undefined elsewhere. */
function cpuSeconds(pids: number[]): number | undefined {
  const ticks = (pid: number) => {
    // Fields 14 and 15 of stat, counted after the command's closing parenthesis; in clock ticks of 1/100 s.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  try {
    return pids.reduce((sum, pid) => sum + ticks(pid), 0) / 100;
  } catch {
    return undefined;
  }
}

/** Polls the database until `count` signal outcomes stored since `since` (the traders' clock), or `timeoutMs`; returns how many. */
async function storedSince(db: DatabasePool, since: number, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await db.oneFirst(sql.type(COUNT)`
      SELECT count(*)::int AS count FROM signals WHERE trader_id = ANY(${sql.array(TRADERS, 'text')}) AND received_at >= to_timestamp(${since} / 1000.0)`);
    if (stored >= count || Date.now() > deadline) return stored;
    await sleep(25);
  }
}

/** A BUY or a SELL of the smallest size, by turns (`n`), so positions stay small however many. */
function signal(id: string, traderId: string, n: number) {
  return { id, traderId, strategy: 'bench', symbol: SYMBOL, action: n % 2 === 0 ? 'BUY' : 'SELL', quantity: '0.001' };
}

/** The same without an id, which the API then gives: `key` is its strategy, to know its outcome by. */
function unnamedSignal(key: string, traderId: string, n: number) {
  const { id: _id, ...rest } = signal(key, traderId, n);
  return { ...rest, strategy: key };
}

/**
 * The bench's HTTP client, the same for the single process and the nodes: node:http over keep-alive
 * connections, which takes a fifth of the CPU `fetch` does per request here, so that the load leaves
 * the machine's two cores to what is measured.
 */
class ApiClient {
  readonly token: string;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(token: string) {
    this.token = token;
  }

  /** POSTs signals to the API at `url`; answers the status and the ids accepted. */
  async signals(url: string, signals: object[]): Promise<{ status: number; accepted: string[] }> {
    const { status, body } = await this.#request<{ data?: { id: string | null; accepted: boolean }[] }>('POST', `${url}/api/v1/signals`, JSON.stringify({ signals }));
    return { status, accepted: (body.data ?? []).filter((r) => r.accepted).map((r) => r.id!) };
  }

  async cluster(node: NodeProcess): Promise<ClusterStatus> {
    const { status, body } = await this.#request<ClusterStatus>('GET', `${node.url}/api/v1/cluster`);
    if (status !== 200) throw new Error(`cluster bench: GET ${node.url}/api/v1/cluster answered ${status}`);
    return body;
  }

  close(): void {
    this.#agent.destroy();
  }

  #request<T>(method: string, url: string, body?: string): Promise<{ status: number; body: T }> {
    const headers = { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) };
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent: this.#agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as T }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A trader behind answers 429 (503 while restarting): the load waits a moment and sends again, as a client honouring it would, sooner. */
async function postUntilTaken(client: ApiClient, url: string, signals: object[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let answer: Awaited<ReturnType<ApiClient['signals']>>;
    try {
      answer = await client.signals(url, signals);
    } catch (error) {
      // A kept-alive connection that the server closed, idle, just as this request left on it (seen once
      // in four runs, at the start of a phase): these signals have ids, so sending them again is safe.
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' && attempt < 3) continue;
      throw error;
    }
    const { status, accepted } = answer;
    if (status === 202 && accepted.length === signals.length) return;
    if ((status !== 429 && status !== 503) || attempt > 1_000) throw new Error(`cluster bench: POST ${url}/api/v1/signals answered ${status} with ${accepted.length} of ${signals.length} accepted`);
    await sleep(10);
  }
}

/** A signal's outcome, as a node's stream shows it: which node's trader processed it, and when (the trader's clock). */
interface Processed {
  traderId: string;
  signalId: string;
  strategy: string | undefined;
  kind: string;
  at: number;
  node: string;
  /** When the stream delivered it here. */
  seenAt: number;
}

/**
 * Node `node`'s WebSocket stream of signal outcomes, which fans out every node's: each kept, the latest
 * per trader, and passed to `listener` when set.
 */
class SignalWatch {
  readonly events: Processed[] = [];
  readonly latest = new Map<string, Processed>();
  listener: ((event: Processed) => void) | undefined;
  /** Its close code and reason, once closed. */
  closed: string | undefined;
  readonly #socket: WebSocket;

  private constructor(socket: WebSocket, node: string, subscribed: () => void) {
    this.#socket = socket;
    socket.on('close', (code, reason) => (this.closed = `${code} ${reason.toString()}`));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; action?: string; events?: { traderId: string; data: { kind: string; signalId?: string; strategy?: string; at: number; node?: string } }[] };
      if (frame.type === 'ack' && frame.action === 'subscribe') subscribed();
      if (frame.type !== 'events') return;
      const seenAt = Date.now();
      for (const { traderId, data: e } of frame.events!) {
        if (e.signalId === undefined) continue;
        // Another node's events carry its id; this node's own do not.
        const event = { traderId, signalId: e.signalId, strategy: e.strategy, kind: e.kind, at: e.at, node: e.node ?? node, seenAt };
        this.events.push(event);
        this.latest.set(traderId, event);
        this.listener?.(event);
      }
    });
  }

  static async open(node: Ingress, token: string): Promise<SignalWatch> {
    const socket = new WebSocket(`${node.url.replace(/^http/, 'ws')}/ws/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    let watch: SignalWatch | undefined;
    await new Promise<void>((resolve, reject) => {
      watch = new SignalWatch(socket, node.id, resolve);
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ action: 'subscribe', channel: 'signals' })));
    });
    return watch!;
  }

  close(): void {
    this.#socket.close();
  }
}

/** The traders' owners when the cluster is `nodes` and each holds its fair share, else undefined. */
function balanced(view: ClusterStatus, nodes: readonly string[]): Map<string, string> | undefined {
  const live = view.nodes.map((n) => n.id).sort();
  if (live.join() !== [...nodes].sort().join() || view.unowned.length > 0) return undefined;
  const share = TRADERS.length / nodes.length;
  if (view.nodes.some((n) => n.traders.length < Math.floor(share) || n.traders.length > Math.ceil(share))) return undefined;
  return new Map(view.leases.map((l) => [l.traderId, l.node]));
}

/**
 * Waits until the cluster is `nodes`, each holding its fair share, and every trader has processed a
 * signal on its owner since: probe signals go to every trader through the first node unless `watch`
 * gets a steady flow already. Answers the owners.
 */
async function settle(bench: ClusterBench, nodes: readonly string[], flowing?: SignalWatch): Promise<Map<string, string>> {
  const ingress = bench.cluster.nodes.get(nodes[0]!)!;
  const watch = flowing ?? (await SignalWatch.open(ingressOf(ingress), bench.client.token));
  let owners: Map<string, string> | undefined;
  let since = 0;
  let probes = 0;
  try {
    await until(
      `cluster of ${nodes.join(', ')} with every trader running on its owner`,
      async () => {
        const now = Date.now();
        const view = balanced(await bench.client.cluster(ingress), nodes);
        if (!view || [...view].some(([t, n]) => owners?.get(t) !== n)) {
          owners = view;
          since = now;
          return false;
        }
        if (TRADERS.every((t) => watch.latest.get(t)?.node === view.get(t) && watch.latest.get(t)!.at >= since)) return true;
        const round = probes++;
        if (!flowing) await bench.client.signals(ingress.url, TRADERS.map((t) => signal(`probe-${round}-${t}`, t, round)));
        await sleep(100);
        return false;
      },
      SETTLE_MS,
    );
    return owners!;
  } finally {
    if (!flowing) watch.close();
  }
}

/** Percentiles of a latency, in ms. */
interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** Who makes a signal's id. */
type Ids = 'client' | 'API';

interface Latency {
  /** From the request sent to the trader processing the signal (its clock). */
  processed: Percentiles;
  /** From the request sent to its answer: the signal is routed (in JetStream, for a cluster). */
  answered: Percentiles;
  /** From the request sent to the outcome, stored, on `ingress`'s stream. */
  seen: Percentiles;
}

/**
 * `rate` single-signal requests/s, open loop (each sent when due, whatever the answers), to `ingress`
 * for `traders` by turns, which run on node `on`; warm-up first. `ids`: each signal has an id made by
 * the client (the API looks it up among those stored, so that a resend is answered with its outcome),
 * or none (the API gives one, and has nothing to look up). Ids, or strategies, start with `prefix`.
 */
async function apiToTrader(bench: ClusterBench, ingress: Ingress, traders: string[], on: string, { ids, rate, prefix }: { ids: Ids; rate: number; prefix: string }): Promise<Latency> {
  const { options, client } = bench;
  const seconds = options.quick ? 1 : 10;
  const warmup = options.quick ? 0.5 : 2;
  options.progress(`cluster: ${rate.toLocaleString('en-US')} single-signal requests/s to ${ingress.id} for ${traders.join(', ')} on ${on}, ids from the ${ids}, ${warmup}s warm-up + ${seconds}s`);
  const watch = await SignalWatch.open(ingress, client.token);
  const processed = latencyHistogram();
  const answered = latencyHistogram();
  const seen = latencyHistogram();
  // Both clocks are this machine's, in whole ms: a signal processed within the millisecond it was sent reads 0.
  const record = (histogram: typeof processed, ms: number) => histogram.recordValue(Math.max(1, ms * 1000));
  const sent = new Map<string, { at: number; measured: boolean }>();
  let refused = 0;
  let elsewhere = 0;
  watch.listener = (event) => {
    const key = ids === 'client' ? event.signalId : event.strategy!;
    const sending = sent.get(key);
    if (!sending || !OUTCOMES.has(event.kind)) return;
    sent.delete(key);
    if (!sending.measured) return;
    if (event.node !== on) elsewhere++;
    record(processed, event.at - sending.at);
    record(seen, event.seenAt - sending.at);
  };
  try {
    const posts: Promise<void>[] = [];
    const send = (n: number, measured: boolean) => {
      const id = `${prefix}-${n}`;
      const sending = { at: Date.now(), measured };
      sent.set(id, sending);
      const traderId = traders[n % traders.length]!;
      const request = client.signals(ingress.url, [(ids === 'client' ? signal : unnamedSignal)(id, traderId, Math.floor(n / traders.length))]);
      posts.push(
        request.then(
          ({ accepted }) => {
            if (measured) record(answered, Date.now() - sending.at);
            if (accepted.length === 1) return;
            // Refused: no outcome will come.
            refused++;
            sent.delete(id);
          },
          () => {
            refused++;
            sent.delete(id);
          },
        ),
      );
    };
    await paced(rate, warmup + seconds, (n, elapsedMs) => send(n, elapsedMs >= warmup * 1000));
    await Promise.all(posts);
    await until('outcome of every signal sent', () => sent.size === 0, DRAIN_MS).catch(() => {
      // Counted as late as they are by now, which they are at least.
      const now = Date.now();
      for (const { at, measured } of sent.values()) if (measured) record(processed, now - at);
      options.progress(`cluster: warning: ${sent.size} signals without an outcome on the stream ${DRAIN_MS / 1000} s after the last was sent`);
    });
    if (refused > 0 || elsewhere > 0) options.progress(`cluster: warning: ${refused} signals refused by the API, ${elsewhere} processed elsewhere than on ${on}`);
  } finally {
    watch.close();
  }
  const latency = { processed: percentiles(processed), answered: percentiles(answered), seen: percentiles(seen) };
  const show = (p: Percentiles) => `p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`;
  options.progress(
    `cluster: ${processed.totalCount.toLocaleString('en-US')} signals to ${ingress.id} at ${rate.toLocaleString('en-US')}/s, ids from the ${ids}: processed ${show(latency.processed)}; ` +
      `answered ${show(latency.answered)}; stored and on the stream ${show(latency.seen)}`,
  );
  return latency;
}

/** Calls `send` `rate` times a second for `seconds`, open loop: each tick sends what is due by then, so a late timer does not lower the rate. */
function paced(rate: number, seconds: number, send: (n: number, elapsedMs: number) => void): Promise<void> {
  const begin = performance.now();
  let n = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - begin;
      for (const due = Math.min(rate * seconds, Math.floor((elapsed * rate) / 1000)); n < due; n++) send(n, elapsed);
      if (n < rate * seconds) return;
      clearInterval(timer);
      resolve();
    }, 1);
  });
}

function percentiles(histogram: ReturnType<typeof latencyHistogram>): Percentiles {
  return { p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000, max: histogram.maxValue / 1000 };
}

/** A kill's measures: to the last of the node's traders processing elsewhere, and to the last of their leases taken. */
interface Failover {
  processingMs: number;
  leasedMs: number;
}

async function failoverFigures(bench: ClusterBench): Promise<Figure[]> {
  const { cluster, options, client, db } = bench;
  const kills = options.quick ? 3 : 20;
  const nodes = [INGRESS, ...VICTIMS];
  const ingress = cluster.nodes.get(INGRESS)!;
  options.progress(`cluster: ${kills} failovers: kill -9 of node ${VICTIMS.join(' or ')} by turns, a signal to every trader every ${TRICKLE_MS} ms through node ${INGRESS}`);
  const watch = await SignalWatch.open(ingressOf(ingress), client.token);
  const accepted = new Set<string>();
  const posts = new Set<Promise<void>>();
  let failed = 0;
  let n = 0;
  const trickle = setInterval(() => {
    const round = n++;
    const sending = client.signals(ingress.url, TRADERS.map((t) => signal(`f-${round}-${t}`, t, round)))
      .then(({ accepted: ids }) => {
        for (const id of ids) accepted.add(id);
        if (ids.length < TRADERS.length) failed += TRADERS.length - ids.length;
      })
      .catch(() => {
        failed += TRADERS.length;
      })
      .finally(() => posts.delete(sending));
    posts.add(sending);
  }, TRICKLE_MS);
  const failovers: Failover[] = [];
  let check: Awaited<ReturnType<typeof checkOnce>>;
  try {
    try {
      let owners = await settle(bench, nodes, watch);
      for (let k = 0; k < kills; k++) {
        const victim = VICTIMS[k % VICTIMS.length]!;
        const moved = TRADERS.filter((t) => owners.get(t) === victim);
        failovers.push(await killAndWait(bench, watch, victim, moved));
        if (k + 1 === kills) break;
        await cluster.nodes.get(victim)!.exited;
        await cluster.start(victim);
        owners = await settle(bench, nodes, watch);
      }
    } finally {
      clearInterval(trickle);
      await Promise.all(posts);
    }
    check = await checkOnce(db, accepted, watch.events, Date.now());
  } finally {
    watch.close();
  }
  if (watch.closed !== undefined && !watch.closed.startsWith('1005')) options.progress(`cluster: warning: the stream closed: ${watch.closed}`);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const spread = (values: number[]) => `${seconds(quantile(values, 50))} p50, ${seconds(Math.max(...values))} max`;
  options.progress(`cluster: after a kill, the last lease taken ${spread(failovers.map((f) => f.leasedMs))}; the last trader processing ${spread(failovers.map((f) => f.processingMs))}`);
  options.progress(
    `cluster: ${accepted.size.toLocaleString('en-US')} signals accepted during the failovers (${failed} refused), the last stored ${seconds(check.storedAfterMs)} after the last was sent: ` +
      `${check.lost} not stored, ${check.twice} processed twice, ${check.filledTwice} orders filled beyond their quantity`,
  );
  const processing = failovers.map((f) => f.processingMs / 1000);
  const across = `across ${kills} failovers`;
  return [
    { suite: 'cluster', name: `failover: node killed to its last trader processing on another node, p50 (${kills} kills)`, value: quantile(processing, 50), unit: 's' },
    { suite: 'cluster', name: `failover: node killed to its last trader processing on another node, p99 (${kills} kills)`, value: quantile(processing, 99), unit: 's', goal: { kind: 'max', value: 3 } },
    { suite: 'cluster', name: `signals lost ${across}`, value: check.lost, unit: 'signals', goal: { kind: 'max', value: 0 } },
    { suite: 'cluster', name: `signals processed twice ${across}`, value: check.twice, unit: 'signals', goal: { kind: 'max', value: 0 } },
    { suite: 'cluster', name: `orders placed twice ${across}`, value: check.filledTwice, unit: 'orders', goal: { kind: 'max', value: 0 } },
  ];
}

/** The `p`th percentile of `values` (nearest rank). */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length * p) / 100) - 1)]!;
}

/**
 * Kills node `victim` and waits until each of its traders `moved` processed a signal on another node:
 * the time from the kill to the last one's processing (its clock), and to the last of their leases
 * taken (as `GET /cluster` then shows them).
 */
async function killAndWait(bench: ClusterBench, watch: SignalWatch, victim: string, moved: string[]): Promise<Failover> {
  const from = watch.events.length;
  const killedAt = Date.now();
  bench.cluster.nodes.get(victim)!.kill();
  const resumed = new Map<string, Processed>();
  await until(
    `processing of ${moved.join(', ')} after node ${victim} was killed`,
    () => {
      for (let i = from; i < watch.events.length; i++) {
        const event = watch.events[i]!;
        if (moved.includes(event.traderId) && event.node !== victim && event.at >= killedAt && !resumed.has(event.traderId)) resumed.set(event.traderId, event);
      }
      return resumed.size === moved.length;
    },
    FAILOVER_TIMEOUT_MS,
  ).catch(() => bench.options.progress(`cluster: warning: ${moved.filter((t) => !resumed.has(t)).join(', ')} not processing ${FAILOVER_TIMEOUT_MS / 1000} s after node ${victim} was killed`));
  const view = await bench.client.cluster(bench.cluster.nodes.get(INGRESS)!);
  const now = Date.now();
  const leasedMs = Math.max(...view.leases.filter((l) => moved.includes(l.traderId)).map((l) => now - l.heldMs - killedAt));
  const processingMs = moved.length === resumed.size ? Math.max(...[...resumed.values()].map((e) => e.at - killedAt)) : FAILOVER_TIMEOUT_MS;
  const where = [...resumed.values()].map((e) => `${e.traderId} on ${e.node}`).join(', ');
  bench.options.progress(`cluster: node ${victim} killed: its leases taken after ${(leasedMs / 1000).toFixed(2)} s, ${where} processing after ${(processingMs / 1000).toFixed(2)} s`);
  return { processingMs, leasedMs };
}

/**
 * Against the database, once every signal accepted is stored (or none more is for `QUIET_MS`): those
 * accepted and never stored, those whose outcome a trader reported twice (on the stream), and the
 * orders of these signals whose trades fill more than the order's quantity (placed twice); and how
 * long after `sentAt` (the last sent) the last was stored.
 */
async function checkOnce(db: DatabasePool, accepted: ReadonlySet<string>, events: readonly Processed[], sentAt: number): Promise<{ lost: number; twice: number; filledTwice: number; storedAfterMs: number }> {
  const storedIds = async () => new Set(await db.manyFirst(sql.type(z.object({ id: z.string() }))`SELECT id FROM signals WHERE id LIKE 'f-%'`));
  const missing = (stored: ReadonlySet<string>) => [...accepted].filter((id) => !stored.has(id)).length;
  let stored = await storedIds();
  let changedAt = Date.now();
  while (missing(stored) > 0 && Date.now() - changedAt < QUIET_MS) {
    await sleep(200);
    const now = await storedIds();
    if (now.size !== stored.size) changedAt = Date.now();
    stored = now;
  }
  const lost = missing(stored);
  const outcomes = new Map<string, number>();
  for (const e of events) if (OUTCOMES.has(e.kind) && accepted.has(e.signalId)) outcomes.set(e.signalId, (outcomes.get(e.signalId) ?? 0) + 1);
  const twice = [...outcomes.values()].filter((count) => count > 1).length;
  const filledTwice = await db.oneFirst(sql.type(COUNT)`
    SELECT count(*)::int AS count FROM (
      SELECT o.client_order_id FROM orders o JOIN trades t ON t.client_order_id = o.client_order_id
      WHERE o.signal_id LIKE 'f-%' GROUP BY o.client_order_id, o.quantity HAVING sum(t.quantity) > o.quantity
    ) beyond`);
  return { lost, twice, filledTwice, storedAfterMs: changedAt - sentAt };
}

/** The same config and database as one process, without `--cluster`, in the cluster's data directory (its token). */
async function startAlone(cluster: TestCluster, databaseUrl: string): Promise<Ingress & { stop(): Promise<void> }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, BOTV3_DATA_DIR: cluster.dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const child = spawn(process.execPath, [CLI, 'start', '-c', cluster.configPath, '--port', '0', '--summary-ms', '3600000'], { env });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const api = /^API: (http:\/\/\S+)\/api\/v1 /.exec(line);
      if (api) resolve(api[1]!);
    });
    void exited.then((code) => reject(new Error(`cluster bench: the single process exited with ${code} before its API answered:\n${output.join('\n')}`)));
  });
  return {
    id: 'the single process',
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
