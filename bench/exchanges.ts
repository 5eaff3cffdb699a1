import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { GUARD_DEFAULTS, type CcxtExchangeArgs } from '../adapters/exchanges/args.js';
import { createClient } from '../adapters/exchanges/client.js';
import { toFixed } from '../actors/trading/fixed.js';
import { moduleUrl } from '../runtime/module-url.js';
import { ActorSystem } from '../runtime/system.js';
import recording from '../test/fixtures/exchanges/binance.js';
import { fakeExchange } from '../test/helpers/fake-exchange.js';
import { latencyHistogram, type Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** Orders are sent this far apart, so that ccxt's rate limiter (50 ms between Binance requests) never holds one back. */
const SPACING_MS = 60;

/**
 * Exchanges suite: a market order's round trip to the replayed Binance on loopback, sent by ccxt
 * directly and through the exchange actor (trader's mailbox -> actor in its worker -> ccxt -> HTTP ->
 * report back in the main thread). The difference is the adapter's own overhead.
 */
export async function exchangesSuite(options: SuiteOptions): Promise<Figure[]> {
  const orders = options.quick ? 50 : 300;
  const server = await fakeExchange(recording.routes);
  try {
    options.progress(`exchanges: ${orders} market orders, ccxt directly`);
    const direct = await directRoundTrips(server.origin, orders);
    options.progress(`exchanges: ${orders} market orders through the exchange actor`);
    const actor = await actorRoundTrips(server.origin, orders);
    return [
      { suite: 'exchanges', name: 'order round trip via the actor, p50', value: actor.p50, unit: 'ms' },
      { suite: 'exchanges', name: 'order round trip via the actor, p99', value: actor.p99, unit: 'ms', goal: { kind: 'max', value: 100, source: 'migration plan' } },
      { suite: 'exchanges', name: 'order round trip, ccxt alone, p50', value: direct.p50, unit: 'ms' },
      { suite: 'exchanges', name: 'adapter overhead, p50', value: actor.p50 - direct.p50, unit: 'ms', goal: { kind: 'max', value: 1, source: 'v3 goal' } },
    ];
  } finally {
    await server.close();
  }
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const histogram = latencyHistogram();
  for (const ms of samples) histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  const result = { p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000 };
  histogram.destroy();
  return result;
}

async function directRoundTrips(endpoint: string, orders: number): Promise<{ p50: number; p99: number }> {
  const client = createClient({ exchange: 'binance', credentials: recording.credentials, endpoint });
  await client.loadMarkets();
  const samples: number[] = [];
  for (let i = 0; i < orders + 10; i++) {
    const start = performance.now();
    await client.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { clientOrderId: `v3direct${String(i).padStart(10, '0')}` });
    // The first ten warm the JIT and the connection up.
    if (i >= 10) samples.push(performance.now() - start);
    await sleep(SPACING_MS);
  }
  return percentiles(samples);
}

async function actorRoundTrips(endpoint: string, orders: number): Promise<{ p50: number; p99: number }> {
  process.env.BOTV3_BINANCE_BENCH_API_KEY = recording.credentials.apiKey;
  process.env.BOTV3_BINANCE_BENCH_SECRET = recording.credentials.secret;
  const args: CcxtExchangeArgs = {
    name: 'binance',
    exchange: 'binance',
    sandbox: false,
    endpoint,
    marketsDir: mkdtempSync(join(tmpdir(), 'botv3-bench-markets-')),
    timeframe: '1m',
    pollMs: 3_600_000,
    timeoutMs: 10_000,
    guard: GUARD_DEFAULTS,
  };
  const system = await ActorSystem.start(
    {
      id: 'bench',
      children: [
        { id: 'reports', module: moduleUrl('./actors/reports', import.meta.url), placement: 'main' },
        { id: 'exchange', module: moduleUrl('../adapters/exchanges/exchange', import.meta.url), args },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const sentAt = new Map<string, number>();
    for (let i = 0; i < orders + 10; i++) {
      const clientOrderId = `v3actor${String(i).padStart(11, '0')}`;
      const order = { clientOrderId, account: 'bench', replyTo: 'reports', symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: toFixed('0.001', 'q'), ts: Date.now() };
      const start = performance.now();
      system.send('exchange', { type: 'place', orders: [order] });
      if (i >= 10) sentAt.set(clientOrderId, start);
      await sleep(SPACING_MS);
    }
    await sleep(500);
    const { arrived } = await system.request<{ arrived: Record<string, number> }>('reports', { type: 'take' });
    const samples = [...sentAt].map(([id, at]) => {
      if (arrived[id] === undefined) throw new Error(`exchanges bench: no report for ${id}`);
      return arrived[id] - at;
    });
    return percentiles(samples);
  } finally {
    await system.shutdown();
  }
}
