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
import { fakeExchange, keysInEnvironment } from '../test/helpers/fake-exchange.js';
import { latencyHistogram, type Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** Orders are sent this far apart, so that ccxt's rate limiter (50 ms between Binance requests) never holds one back. */
const SPACING_MS = 60;
/** Orders each way before timing starts: ccxt runs in two isolates here, and each must warm up. */
const WARMUP = 50;

/**
 * Exchanges suite: a market order's round trip to the replayed Binance on loopback, sent by ccxt
 * directly and through the exchange actor (trader's mailbox -> actor in its worker -> ccxt -> HTTP ->
 * report back in the main thread). The difference is the adapter's own overhead.
 */
export async function exchangesSuite(options: SuiteOptions): Promise<Figure[]> {
  const orders = options.quick ? 50 : 300;
  const server = await fakeExchange(recording.routes);
  const bench = await startActor(server.origin);
  try {
    options.progress(`exchanges: ${orders} market orders each way, ccxt alone and through the exchange actor, taking turns`);
    const client = createClient({ exchange: 'binance', credentials: recording.credentials, endpoint: server.origin });
    await client.loadMarkets();
    const direct: number[] = [];
    const actor: number[] = [];
    // Taking turns, so that both see the same machine: the overhead is a difference of ~1 ms between ~12 ms round trips.
    for (let i = 0; i < orders + WARMUP; i++) {
      const start = performance.now();
      await client.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { clientOrderId: `v3direct${String(i).padStart(10, '0')}` });
      const directMs = performance.now() - start;
      await sleep(SPACING_MS);
      const actorMs = await bench.roundTrip(`v3actor${String(i).padStart(11, '0')}`);
      await sleep(SPACING_MS);
      // The first ones warm the JIT up, in both threads, and the connections.
      if (i >= WARMUP) {
        direct.push(directMs);
        actor.push(actorMs);
      }
    }
    const viaActor = percentiles(actor);
    const alone = percentiles(direct);
    return [
      { suite: 'exchanges', name: 'order round trip via the actor, p50', value: viaActor.p50, unit: 'ms' },
      { suite: 'exchanges', name: 'order round trip via the actor, p99', value: viaActor.p99, unit: 'ms', plan: { kind: 'max', value: 100 } },
      { suite: 'exchanges', name: 'order round trip, ccxt alone, p50', value: alone.p50, unit: 'ms' },
      { suite: 'exchanges', name: 'adapter overhead, p50', value: viaActor.p50 - alone.p50, unit: 'ms', goal: { kind: 'max', value: 1 } },
    ];
  } finally {
    await bench.stop();
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

/** The exchange actor in its worker, and a main-thread actor noting when each order's first report arrives. */
async function startActor(endpoint: string): Promise<{ roundTrip(clientOrderId: string): Promise<number>; stop(): Promise<void> }> {
  keysInEnvironment('binance', 'bench', recording.credentials);
  const args: CcxtExchangeArgs = {
    name: 'binance',
    exchange: 'binance',
    sandbox: false,
    endpoint,
    marketsDir: mkdtempSync(join(tmpdir(), 'botv3-bench-markets-')),
    timeframe: '1m',
    pollMs: 3_600_000,
    holdingsCheckMs: 3_600_000,
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
  return {
    async roundTrip(clientOrderId) {
      const order = { clientOrderId, account: 'bench', replyTo: 'reports', symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: toFixed('0.001', 'q'), ts: Date.now() };
      const start = performance.now();
      system.send('exchange', { type: 'place', orders: [order] });
      for (;;) {
        const { arrived } = await system.request<{ arrived: Record<string, number> }>('reports', { type: 'take' });
        if (arrived[clientOrderId] !== undefined) return arrived[clientOrderId] - start;
        await sleep(1);
      }
    },
    stop: async () => void (await system.shutdown()),
  };
}
