import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { HubEvent } from '../actors/events/hub.js';
import { launchPlatform, type RunningPlatform } from '../adapters/api/launch.js';
import { TokenStore, type Scope } from '../adapters/api/tokens.js';
import { parseConfig } from '../adapters/config/load.js';
import { preparePlatformDatabase, type PlatformDatabase } from '../adapters/database/prepare.js';
import { epochMs, type HttpJob, type HttpResult, type LoadJob, type LoadReply, type StreamJob, type StreamResult } from './api-load.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** The request rate the latency goals are set at. */
const RATE = 2_000;
/** Keep-alive connections the load is spread over, as a handful of dashboards and bots would hold. */
const CONNECTIONS = 20;
/** Events/s published to the stream, in batches every `BATCH_MS`, as the events hub pushes them after each message it handles. */
const EVENTS_PER_SECOND = 1_000;
const BATCH_MS = 10;
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const TRADERS = 5;

/**
 * API suite: the platform with its API on loopback, loaded from a second process (`api-load.ts`) so the
 * load generator does not share the server's event loop:
 * - p50/p99 response time of `GET /api/v1/health` (no token, no actor) and `GET /api/v1/positions`
 *   (token, control plane, persistence actor, database, while the traders trade 1,000 signals/s) at a
 *   fixed 2,000 requests/s, the latter against a bare Hono route served by this process at the same
 *   rate, and the most requests/s health answers;
 * - the WebSocket stream's fan-out: clients subscribed to `trades` while the server publishes 1,000
 *   events/s, every client getting every event; delivery delay from publication to arrival.
 * The database is the embedded PGlite in a temporary directory, or `DATABASE_URL` when set (the bench's
 * traders, orders and positions are then written there).
 */
export async function apiSuite(options: SuiteOptions): Promise<Figure[]> {
  const bench = await startBench({ traders: TRADERS, symbols: SYMBOLS, scopes: ['read'] });
  let load: LoadProcess | undefined;
  try {
    load = startLoad();
    options.progress(`api: ${TRADERS * SYMBOLS.length} positions opened by ${TRADERS} paper traders`);
    await openPositions(bench);
    const figures = await httpFigures(bench, load, options);
    figures.push(...(await streamFigures(bench, load, options)));
    return figures;
  } finally {
    load?.stop();
    await bench.stop();
  }
}

export interface Bench {
  platform: RunningPlatform;
  /** A token with the bench's scopes, in clear. */
  token: string;
  stop(): Promise<void>;
}

/**
 * The platform with `traders` paper traders (`t0`, `t1`, …) of `symbols` on a fresh database (an
 * embedded one, or `DATABASE_URL`), the API on a free port, and a token of `scopes`.
 */
export async function startBench({ traders, symbols, scopes }: { traders: number; symbols: string[]; scopes: Scope[] }): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'botv3-bench-api-'));
  let database: PlatformDatabase | undefined;
  let platform: RunningPlatform | undefined;
  try {
    database = await preparePlatformDatabase({ url: process.env.DATABASE_URL, dataDir: join(dir, 'pgdata') });
    const config = parseConfig({
      traders: Array.from({ length: traders }, (_, i) => ({ id: `t${i}`, symbols, balances: { USDT: 100_000 }, orderNotional: 1_000 })),
      exchanges: { paper: { type: 'paper', seed: 42, candleIntervalMs: 0, startTs: Date.UTC(2026, 0, 1) } },
      // The limiter would answer 429 to a load of one token: it is not what is measured.
      api: { port: 0, rateLimit: { requests: 1_000_000, windowMs: 1_000 } },
    });
    const tokens = TokenStore.open(join(dir, 'api-tokens.json'));
    const { token } = tokens.create('bench', scopes);
    platform = await launchPlatform(config, {
      platform: { database: { url: database.url, poolSize: database.poolSize, journalPath: join(dir, 'journal.ndjson') }, balances: database.balances, positions: database.positions },
      database: { kind: database.kind, where: database.where },
      tokens,
      version: 'bench',
      log: pino({ level: 'silent' }),
    });
    const started = { platform, database };
    return {
      platform,
      token,
      stop: async () => {
        try {
          await started.platform.stop();
        } finally {
          await started.database.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await platform?.stop().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Moves the paper market a candle and waits until every trader has a price for each of `symbols`: a trader skips a market order on a symbol it has none for. */
export async function priced({ platform }: Bench, symbols: readonly string[]): Promise<void> {
  platform.system.send('exchange.paper', { type: 'advance', candles: 1 });
  await until('every trader to have prices', async () => (await platform.control.traders()).every((t) => symbols.every((symbol) => t.live?.marks[symbol] !== undefined)));
}

/** A market buy of each symbol by each trader, so that `/positions` answers rows read from the database. */
async function openPositions(bench: Bench): Promise<void> {
  const { platform } = bench;
  await priced(bench, SYMBOLS);
  const signals = Array.from({ length: TRADERS }, (_, t) => SYMBOLS.map((symbol) => ({ id: `bench-${t}-${symbol}`, traderId: `t${t}`, strategy: 'bench', symbol, action: 'BUY' }))).flat();
  const refused = (await platform.control.submitSignals(signals)).filter((outcome) => !outcome.accepted);
  if (refused.length > 0) throw new Error(`api bench: signals refused: ${JSON.stringify(refused)}`);
  platform.system.send('exchange.paper', { type: 'advance', candles: 1 });
  await until(`${signals.length} positions in the database`, async () => (await platform.control.query('positions', {})).rows.length >= signals.length);
}

/** Signals/s the traders get while positions are read: spread over them, a BUY and a SELL of the smallest size in turn. */
const TRADING_RATE = 1_000;

/** Sends the traders `TRADING_RATE` signals/s, in a message per trader every 10 ms, until stopped. */
function trade({ platform }: Bench): { stop(): void } {
  let n = 0;
  const perTick = Math.max(1, Math.round(TRADING_RATE / 100 / TRADERS));
  const timer = setInterval(() => {
    for (let t = 0; t < TRADERS; t++) {
      const signals = Array.from({ length: perTick }, () => {
        const i = n++;
        return { id: `load-${i}`, strategy: 'bench', symbol: SYMBOLS[i % SYMBOLS.length]!, action: i % 4 < 2 ? 'BUY' : 'SELL', quantity: '0.001' };
      });
      platform.system.send(`trader.t${t}`, { type: 'signals', signals });
    }
  }, 10);
  return { stop: () => clearInterval(timer) };
}

/** A Hono app with one route answering `{ ok: true }`, on a free loopback port of this process. */
async function bareHono(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono().get('/health', (c) => c.json({ ok: true }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Polls `done` until it holds; a bench that waits longer than `timeoutMs` for it fails, naming `what`. */
export async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`bench: no ${what} after ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

async function httpFigures(bench: Bench, load: LoadProcess, options: SuiteOptions): Promise<Figure[]> {
  const seconds = options.quick ? 3 : 15;
  // The first requests meet a cold JIT: at a fixed rate, their backlog would weigh on the percentiles.
  const warmup = options.quick ? 1 : 3;
  const routes: { path: string; headers: Record<string, string> }[] = [
    { path: '/api/v1/health', headers: {} },
    { path: '/api/v1/positions', headers: { authorization: `Bearer ${bench.token}` } },
  ];
  const figures: Figure[] = [];
  let worst = 0;
  const measure = async (url: string, headers: Record<string, string>, what: string) => {
    const job: HttpJob = { type: 'http', url, headers, connections: CONNECTIONS, seconds, rate: RATE };
    options.progress(`api: ${what} at ${RATE.toLocaleString('en-US')} req/s over ${CONNECTIONS} connections, ${warmup}s warm-up + ${seconds}s`);
    await http(load, { ...job, seconds: warmup }, options);
    return http(load, job, options);
  };
  for (const route of routes) {
    // Positions are read while every trader trades, as a dashboard reads them in the day.
    const trading = route.path === '/api/v1/positions' ? trade(bench) : undefined;
    const result = await measure(`${bench.platform.api.url}${route.path}`, route.headers, `GET ${route.path}${trading ? `, ${TRADING_RATE.toLocaleString('en-US')} signals/s trading,` : ''}`).finally(() => trading?.stop());
    const name = `GET ${route.path} at ${RATE.toLocaleString('en-US')} req/s${trading ? ' while traders trade' : ''}`;
    worst = Math.max(worst, result.p99);
    figures.push(
      { suite: 'api', name: `${name}, requests/s`, value: result.requestsPerSecond, unit: 'req/s' },
      { suite: 'api', name: `${name}, p50`, value: result.p50, unit: 'ms' },
      { suite: 'api', name: `${name}, p99`, value: result.p99, unit: 'ms', plan: { kind: 'max', value: 50 }, goal: { kind: 'max', value: trading ? 50 : 5 } },
    );
    if (!trading) continue;
    // What the same machine, process and load generator give a route that does nothing: the floor.
    const bare = await bareHono();
    try {
      const floor = await measure(`${bare.url}/health`, {}, 'a bare Hono route');
      figures.push(
        { suite: 'api', name: `bare Hono route at ${RATE.toLocaleString('en-US')} req/s, p99`, value: floor.p99, unit: 'ms', better: 'lower' },
        { suite: 'api', name: `${name}, p99 / bare Hono route p99`, value: result.p99 / floor.p99, unit: 'x', goal: { kind: 'max', value: 2 } },
      );
    } finally {
      await bare.close();
    }
  }
  figures.push({ suite: 'api', name: `API p99 at ${RATE.toLocaleString('en-US')} req/s, worst route`, value: worst, unit: 'ms', plan: { kind: 'max', value: 50 } });

  options.progress(`api: GET /api/v1/health as fast as it answers, ${CONNECTIONS} connections, ${seconds}s`);
  const flat = await http(load, { type: 'http', url: `${bench.platform.api.url}/api/v1/health`, headers: {}, connections: CONNECTIONS, seconds }, options);
  figures.push({ suite: 'api', name: `GET /api/v1/health, most requests/s (${CONNECTIONS} connections)`, value: flat.requestsPerSecond, unit: 'req/s' });
  return figures;
}

/** One autocannon run; any answer but a 2xx, or a connection error, fails the suite rather than flatter it. */
async function http(load: LoadProcess, job: HttpJob, options: SuiteOptions): Promise<HttpResult> {
  const result = (await load.run(job)) as HttpResult;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`api bench: GET ${job.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts in ${result.requests} requests`);
  }
  if (result.requests === 0) throw new Error(`api bench: GET ${job.url}: no answer`);
  if (result.loadBusy > 0.9) options.progress(`api: warning: the load process was busy ${Math.round(result.loadBusy * 100)}% of the time; it may be what limits this run`);
  return result;
}

async function streamFigures(bench: Bench, load: LoadProcess, options: SuiteOptions): Promise<Figure[]> {
  const clients = options.quick ? 200 : 1_000;
  const windowMs = options.quick ? 3_000 : 10_000;
  const { stream } = bench.platform.api;
  const droppedBefore = stream.stats.dropped;
  const job: StreamJob = { type: 'stream', url: `${bench.platform.api.url.replace(/^http/, 'ws')}/ws/v1/stream`, token: bench.token, clients, connectBatch: 50, warmupMs: 1_000, windowMs, graceMs: 1_000 };
  options.progress(`api: stream fan-out, ${clients.toLocaleString('en-US')} clients subscribed to trades, ${EVENTS_PER_SECOND.toLocaleString('en-US')} events/s, 1s warm-up + ${windowMs / 1000}s`);
  let publisher: Publisher | undefined;
  // The server's event loop (this thread) over the window: with the load process's, it tells which side ran out of CPU.
  let serverBusy = Number.NaN;
  const timers: NodeJS.Timeout[] = [];
  const onReady = () => {
    publisher = publish(stream, EVENTS_PER_SECOND, BATCH_MS);
    timers.push(
      setTimeout(() => {
        const start = performance.eventLoopUtilization();
        timers.push(setTimeout(() => (serverBusy = performance.eventLoopUtilization(start).utilization), windowMs));
      }, job.warmupMs),
    );
  };
  let result: StreamResult;
  try {
    result = (await load.run(job, onReady)) as StreamResult;
  } finally {
    publisher?.stop();
    for (const timer of timers) clearTimeout(timer);
  }
  const published = publisher!.publishedBetween(result.from, result.to);
  const dropped = stream.stats.dropped - droppedBefore;
  if (result.closed > 0 || dropped > 0) options.progress(`api: warning: ${result.closed} stream clients closed, ${dropped} dropped as slow consumers`);
  if (result.loadBusy > 0.9) options.progress(`api: warning: the load process was busy ${Math.round(result.loadBusy * 100)}% of the window; the delays are partly its own`);
  const seconds = (result.to - result.from) / 1000;
  const name = `stream, ${clients.toLocaleString('en-US')} clients x ${EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`;
  return [
    { suite: 'api', name: `${name}: events/s delivered, all clients`, value: result.received / seconds, unit: 'events/s' },
    { suite: 'api', name: `${name}: events/s delivered per client`, value: result.received / seconds / clients, unit: 'events/s' },
    { suite: 'api', name: `${name}: events delivered of those published`, value: (100 * result.received) / (published * clients), unit: '%', goal: { kind: 'min', value: 100 } },
    { suite: 'api', name: `${name}: delay p50`, value: result.p50, unit: 'ms' },
    { suite: 'api', name: `${name}: delay p99`, value: result.p99, unit: 'ms', goal: { kind: 'max', value: 20 } },
    { suite: 'api', name: `${name}: clients dropped`, value: dropped, unit: 'clients', goal: { kind: 'max', value: 0 } },
    { suite: 'api', name: `${name}: server main thread busy`, value: 100 * serverBusy, unit: '%' },
    { suite: 'api', name: `${name}: load process busy`, value: 100 * result.loadBusy, unit: '%' },
  ];
}

interface Publisher {
  /** Events published with an `at` in [from, to). */
  publishedBetween(from: number, to: number): number;
  stop(): void;
}

/**
 * Publishes fills to the stream, as the events hub would, at `rate` events/s in batches every `batchMs`:
 * each tick catches up with the schedule, so a late timer does not lower the rate. Each event is
 * stamped (`at`, epoch ms with a fraction) when published; clients measure their delay from it.
 */
function publish(stream: RunningPlatform['api']['stream'], rate: number, batchMs: number): Publisher {
  const started = performance.now();
  const batches: { at: number; count: number }[] = [];
  let seq = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * rate) / 1000) - seq;
    if (due <= 0) return;
    const at = epochMs();
    const events: HubEvent[] = [];
    for (let i = 0; i < due; i++) events.push(fill(++seq, at));
    stream.publish(events);
    batches.push({ at, count: due });
  }, batchMs);
  return {
    publishedBetween: (from, to) => batches.reduce((sum, b) => (b.at >= from && b.at < to ? sum + b.count : sum), 0),
    stop: () => clearInterval(timer),
  };
}

function fill(seq: number, at: number): HubEvent {
  return {
    kind: 'fill',
    traderId: 'bench',
    seq,
    clientOrderId: `v3bench${seq}`,
    signalId: `s${seq}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    fill: { tradeId: `T${seq}`, quantity: 1_000_000n, price: 95_000_000_000_000n, fee: 95_000_000n, feeAsset: 'USDT', liquidity: 'taker' },
    position: { symbol: 'BTC/USDT', quantity: 1_000_000n * BigInt(seq), avgEntry: 95_000_000_000_000n, realizedPnl: 0n, fees: 95_000_000n * BigInt(seq), openedAt: at },
    at,
  };
}

interface LoadProcess {
  /** Runs one job in the load process; `onReady` when it says so (stream clients subscribed). */
  run(job: LoadJob, onReady?: () => void): Promise<HttpResult | StreamResult>;
  stop(): void;
}

/** The load generator, forked once for the suite: one process, as the machine has few cores to share. */
function startLoad(): LoadProcess {
  const child: ChildProcess = fork(fileURLToPath(new URL('./api-load.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exited: Error | undefined;
  child.on('exit', (code, signal) => (exited = new Error(`api bench: the load process exited (${signal ?? code})`)));
  return {
    run: (job, onReady) =>
      new Promise((resolve, reject) => {
        if (exited) return reject(exited);
        const onMessage = (reply: LoadReply) => {
          if (reply.type === 'ready') return onReady?.();
          done();
          if (reply.type === 'done') resolve(reply.result);
          else reject(new Error(`api bench: the load process failed: ${reply.message}`));
        };
        const onExit = () => {
          done();
          reject(exited);
        };
        const done = () => {
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        child.on('message', onMessage);
        child.on('exit', onExit);
        child.send(job);
      }),
    stop: () => {
      if (!exited) child.kill();
    },
  };
}
