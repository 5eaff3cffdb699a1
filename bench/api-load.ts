import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { latencyHistogram } from './report.js';

/**
 * The API benchmark's load generator, forked by `bench/api.ts`: it runs in a process of its own so
 * that the requests and the WebSocket clients do not share an event loop (or a core) with the server
 * they measure. It takes one job at a time over IPC and answers with its figures.
 */

/** HTTP load with autocannon: `rate` requests/s spread evenly over `connections` keep-alive connections, or as many as they get answered. */
export interface HttpJob {
  type: 'http';
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  /** Requests/s from all connections together; none for as many as the server answers. */
  rate?: number;
}

export interface HttpResult {
  requests: number;
  requestsPerSecond: number;
  /** Response times, in ms, to the last byte of the response from when the request was written, or was due if it left late (see `pace`). */
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Share of the time this process's event loop was busy: near 100% means the load generator, not the server, set the pace. */
  loadBusy: number;
}

/** WebSocket clients subscribed to `trades`; delays are measured on events stamped (`data.at`) inside the window. */
export interface StreamJob {
  type: 'stream';
  url: string;
  token: string;
  clients: number;
  /** Clients connecting at once: a thousand handshakes together would only measure the accept queue. */
  connectBatch: number;
  /** After `ready`: events stamped before this much time has passed are not counted (the JIT, the buffers). */
  warmupMs: number;
  windowMs: number;
  /** How long after the window to keep listening for its last events. */
  graceMs: number;
}

export interface StreamResult {
  /** The window, in epoch ms, as the `at` stamps of the events counted. */
  from: number;
  to: number;
  /** Events stamped inside the window, summed over the clients. */
  received: number;
  /** Delivery delay (arrival less `data.at`), in ms. */
  p50: number;
  p99: number;
  /** Clients whose connection closed before the end. */
  closed: number;
  loadBusy: number;
}

export type LoadJob = HttpJob | StreamJob;
/** What the load process sends back: `ready` (stream clients subscribed, start publishing), then `done` or `failed`. */
export type LoadReply = { type: 'ready' } | { type: 'done'; result: HttpResult | StreamResult } | { type: 'failed'; message: string };

/** Epoch ms with sub-ms precision, on the clock the server stamps events with. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** The few parts of autocannon used here (it ships no types). */
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: AutocannonClient, statusCode: number, bytes: number, ms: number) => void): void;
}
/** One connection; `_doRequest` writes its next request (autocannon 8's `lib/httpClient.js`). */
interface AutocannonClient {
  destroyed: boolean;
  _doRequest(...args: unknown[]): void;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

async function runHttp(job: HttpJob): Promise<HttpResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const histogram = latencyHistogram();
  const busy = performance.eventLoopUtilization();
  const paced = job.rate !== undefined ? pace(job.rate, job.connections) : undefined;
  try {
    const result = await new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(
        { url: job.url, headers: job.headers, connections: job.connections, duration: job.seconds, ...(paced ? { setupClient: paced.setupClient } : {}) },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      // autocannon's own histogram keeps whole milliseconds; these responses take a fraction of one.
      instance.on('response', (client, statusCode, _bytes, ms) => {
        if (statusCode >= 200 && statusCode < 300) histogram.recordValue(Math.max(1, Math.round((ms + (paced?.lateness(client) ?? 0)) * 1000)));
      });
    });
    return {
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / result.duration,
      p50: histogram.getValueAtPercentile(50) / 1000,
      p99: histogram.getValueAtPercentile(99) / 1000,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      loadBusy: performance.eventLoopUtilization(busy).utilization,
    };
  } finally {
    histogram.destroy();
  }
}

/**
 * Spreads `rate` requests/s evenly over the connections and over time. autocannon's own `overallRate`
 * lets each connection send its share of a second back to back, then wait for the next second: the
 * server sees bursts of every connection at once, and the latencies measured are those of the burst.
 * Here each connection sends at its own slots, `connections / rate` apart, offset from the others'.
 * A request sent late because its connection still waited for the previous answer counts the delay
 * in its latency, as it would count for a client (no coordinated omission).
 */
function pace(rate: number, connections: number): { setupClient(client: AutocannonClient): void; lateness(client: AutocannonClient): number } {
  const interval = (1000 * connections) / rate;
  const late = new WeakMap<AutocannonClient, number>();
  let index = 0;
  return {
    // Called as each connection is made, before its first request.
    setupClient(client) {
      if (typeof client._doRequest !== 'function') throw new Error('autocannon changed: no Client._doRequest to pace; see pace() in bench/api-load.ts');
      const send = client._doRequest;
      let next = performance.now() + (index++ * interval) / connections;
      client._doRequest = (...args) => {
        const slot = next;
        next += interval;
        const wait = slot - performance.now();
        if (wait <= 0) {
          late.set(client, -wait);
          return send.apply(client, args);
        }
        setTimeout(() => {
          late.set(client, 0);
          if (!client.destroyed) send.apply(client, args);
        }, wait);
      };
    },
    lateness: (client) => late.get(client) ?? 0,
  };
}

async function runStream(job: StreamJob, send: (reply: LoadReply) => void): Promise<StreamResult> {
  const histogram = latencyHistogram();
  const sockets: WebSocket[] = [];
  let from = Infinity;
  let to = Infinity;
  let received = 0;
  let closed = 0;
  const stamps: number[] = [];
  let checked = false;
  let badShape: Error | undefined;
  let finished = false;
  const onFrame = (data: WebSocket.RawData) => {
    const frame = data as Buffer;
    if (!frame.subarray(0, EVENTS.length).equals(EVENTS)) return; // heartbeats, acks
    const now = epochMs();
    if (!checked) {
      checked = true;
      badShape = checkShape(frame);
    }
    // Here a thousand clients take a million events a second on one core: reading each event's stamp
    // straight from the bytes, rather than parsing the frame, keeps this process from being what is
    // measured. Events of one batch share their stamp: recorded together.
    if (!stampsOf(frame, stamps)) badShape ??= new Error(`an event does not end with its "at": ${frame.toString().slice(0, 300)}`);
    let stamp = NaN;
    let count = 0;
    for (const at of stamps) {
      if (at < from || at >= to) continue;
      received++;
      if (at === stamp) {
        count++;
        continue;
      }
      if (count > 0) histogram.recordValueWithCount(Math.max(1, Math.round((now - stamp) * 1000)), count);
      stamp = at;
      count = 1;
    }
    if (count > 0) histogram.recordValueWithCount(Math.max(1, Math.round((now - stamp) * 1000)), count);
  };
  try {
    for (let i = 0; i < job.clients; i += job.connectBatch) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(job.connectBatch, job.clients - i) }, () => subscribe(job.url, job.token)));
      for (const outcome of batch) {
        if (outcome.status === 'rejected') continue;
        const socket = outcome.value;
        sockets.push(socket);
        socket.on('message', onFrame);
        socket.on('close', () => {
          if (!finished) closed++;
        });
      }
      const failed = batch.find((outcome) => outcome.status === 'rejected');
      if (failed) throw new Error(`a stream client (after ${sockets.length} of ${job.clients}) could not subscribe: ${(failed.reason as Error).message}`);
    }
    send({ type: 'ready' });
    const start = epochMs();
    from = start + job.warmupMs;
    to = from + job.windowMs;
    await sleep(job.warmupMs);
    const busy = performance.eventLoopUtilization();
    await sleep(job.windowMs);
    const loadBusy = performance.eventLoopUtilization(busy).utilization;
    await sleep(job.graceMs);
    finished = true;
    if (badShape) throw badShape;
    if (!checked) throw new Error(`no event reached any of the ${job.clients} clients`);
    return { from, to, received, p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000, closed, loadBusy };
  } finally {
    finished = true;
    for (const socket of sockets) socket.terminate();
    histogram.destroy();
  }
}

const EVENTS = Buffer.from('{"type":"events"');

/**
 * Each event's `data.at` in an events frame, into `out`: a trade's `data` ends with its stamp, so every
 * event ends `"at":<number>}}`, and `}}` is found nowhere else. False when an event ends otherwise.
 * About three times faster than searching for `"at":`, as `}` is rare enough for memchr to skip along.
 */
function stampsOf(frame: Buffer, out: number[]): boolean {
  out.length = 0;
  let i = frame.indexOf(0x7d); // }
  while (i !== -1) {
    if (frame[i + 1] !== 0x7d) {
      i = frame.indexOf(0x7d, i + 1);
      continue;
    }
    let start = i;
    while (isNumberByte(frame[start - 1])) start--;
    // "at":
    if (frame[start - 1] !== 0x3a || frame[start - 2] !== 0x22 || frame[start - 3] !== 0x74 || frame[start - 4] !== 0x61 || frame[start - 5] !== 0x22) return false;
    out.push(readNumber(frame, start));
    i = frame.indexOf(0x7d, i + 2);
  }
  return true;
}

const isNumberByte = (c: number | undefined) => c !== undefined && ((c >= 0x30 && c <= 0x39) || c === 0x2e);

/** The JSON number (digits, maybe a fraction) at `offset` of `bytes`. */
function readNumber(bytes: Buffer, offset: number): number {
  let value = 0;
  let i = offset;
  for (let c = bytes[i]!; c >= 0x30 && c <= 0x39; c = bytes[++i]!) value = value * 10 + (c - 0x30);
  if (bytes[i] !== 0x2e) return value;
  let scale = 1;
  for (let c = bytes[++i]!; c >= 0x30 && c <= 0x39; c = bytes[++i]!) value += (c - 0x30) / (scale *= 10);
  return value;
}

/** A client with a token in the header, subscribed to every trader's trades once the server acknowledged it. */
function subscribe(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, skipUTF8Validation: true });
    const fail = (error: Error) => {
      socket.terminate();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no subscription acknowledgement from ${url} within 10 s`)), 10_000);
    socket.once('error', fail);
    socket.once('close', (code, reason) => fail(new Error(`stream closed the connection before the subscription: ${code} ${reason.toString()}`)));
    socket.on('message', function handshake(data) {
      const message = JSON.parse(data.toString()) as { type: string; action?: string; channel?: string };
      if (message.type === 'welcome') socket.send(JSON.stringify({ action: 'subscribe', channel: 'trades' }));
      else if (message.type === 'ack' && message.action === 'subscribe' && message.channel === 'trades') {
        clearTimeout(timer);
        socket.off('message', handshake);
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        socket.on('error', () => {}); // counted when it closes
        resolve(socket);
      } else if (message.type === 'error') fail(new Error(`stream refused the subscription: ${data.toString()}`));
    });
  });
}

/** The first frame, parsed in full: trades events, whose `data.at` are the stamps read from the bytes. */
function checkShape(frame: Buffer): Error | undefined {
  const { events } = JSON.parse(frame.toString()) as { events: { channel: string; data: { at: unknown } }[] };
  const scanned: number[] = [];
  const ok =
    stampsOf(frame, scanned) &&
    scanned.length === events.length &&
    events.every((e, i) => e.channel === 'trades' && typeof e.data.at === 'number' && Math.abs(e.data.at - scanned[i]!) < 0.001);
  return ok ? undefined : new Error(`unexpected event frame (want trades events, each ending with its numeric data.at): ${frame.toString().slice(0, 300)}`);
}

// Forked by the suite; imported (for its types and `epochMs`) it does nothing.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const send = (reply: LoadReply) => process.send!(reply);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (job: LoadJob) => {
    const running = job.type === 'http' ? runHttp(job) : runStream(job, send);
    running.then(
      (result) => send({ type: 'done', result }),
      (error: Error) => send({ type: 'failed', message: error.stack ?? error.message }),
    );
  });
}
