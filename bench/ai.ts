import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { ADDRESSES, platformTree, stopPlatform, traderAddress } from '../actors/platform/tree.js';
import type { ReviewerStatus } from '../actors/reviewer/protocol.js';
import type { TraderStatus } from '../actors/trader/core.js';
import { parseConfig } from '../adapters/config/load.js';
import { PAPER_MARKETS } from '../adapters/paper/markets.js';
import { moduleUrl } from '../runtime/module-url.js';
import type { ChildSpecInput } from '../runtime/options.js';
import { ActorSystem } from '../runtime/system.js';
import { startFakeAnthropic, type FakeAnthropic } from '../test/helpers/fake-anthropic.js';
import type { ProbeReply } from './actors/probe.js';
import { throughput, type Pipeline } from './pipeline.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** What a model call takes, answered by the fake. */
const MODEL_LATENCY_MS = 200;
const CONCURRENCY = 8;
/**
 * Reviews kept undecided while the unreviewed trader is measured: four rounds of what the concurrency
 * runs at once (two calls a review), so the calls never pause between top-ups, and few enough to
 * drain in under a second before the next run alone.
 */
const BACKLOG = 4 * (CONCURRENCY / 2);
/** A review not decided after this long is a platform bug, not a slow run. */
const STALL_MS = 30_000;

const REVIEWED = 'reviewed';
const PLAIN = 'plain';

/**
 * AI suite: the cross-verification reviewer against a loopback fake of the Messages API whose every
 * call takes 200 ms, as a model's would.
 * - Reviewed orders/s: a burst of signals to a trader that holds every order for review, from the send
 *   to the last order filled (trader -> reviewer -> two calls -> verdict -> trader -> exchange), with
 *   `ai.concurrency` 8. The bound caps it near 8 calls / 2 calls a review / 200 ms = 20/s, and the
 *   fake's most calls at once shows that it held: how many reviewed signals a deployment can take.
 * - Signals/s of a trader whose orders are never reviewed, alone, then while another trader's reviews
 *   are in flight the whole time: reviews wait on the network in the main thread, which also routes
 *   every trader's messages, and must not slow the traders that do not wait for them. The fake answers
 *   in this process too, so its own work counts against the platform, as a real API's would not; with
 *   no core to spare, what the reviews cost in CPU shows as lost throughput.
 */
export async function aiSuite(options: SuiteOptions): Promise<Figure[]> {
  const fake = await startFakeAnthropic({ latencyMs: MODEL_LATENCY_MS });
  const savedKey = process.env.ANTHROPIC_API_KEY;
  // The reviewer picks Claude only with a key, which the fake takes whatever it is.
  process.env.ANTHROPIC_API_KEY = 'bench-key';
  let bench: AiBench | undefined;
  try {
    bench = await startAiBench(fake);
    const figures: Figure[] = [];

    const burst = options.quick ? 60 : 300;
    options.progress(`ai: ${burst} reviewed signals at once, concurrency ${CONCURRENCY}, ${MODEL_LATENCY_MS} ms model`);
    // The first reviews open the connections and warm the SDK up.
    await bench.reviewBurst(CONCURRENCY);
    const reviewed = await bench.reviewBurst(burst);
    figures.push({
      suite: 'ai',
      name: `reviewed orders/s, concurrency ${CONCURRENCY}, ${MODEL_LATENCY_MS} ms model`,
      value: reviewed,
      unit: 'orders/s',
    });

    const seconds = options.quick ? 1 : 4;
    // The flood's verdicts reject: the reviewed trader then never fills, and the probe's filled count is the plain trader's alone.
    fake.answer(() => ({ verdict: 'reject', confidence: 0.9 }));
    options.progress(`ai: unreviewed signals/s alone and with ${BACKLOG} reviews undecided, taking turns, ${seconds}s each`);
    const alone: number[] = [];
    const loaded: number[] = [];
    const reviewing: number[] = [];
    // Alone, loaded, loaded, alone: a steady drift over the runs (the machine, the platform's state) lands on both sides alike.
    for (const withReviews of [false, true, true, false]) {
      if (!withReviews) {
        alone.push(await bench.unreviewedRate(seconds));
        continue;
      }
      const flood = bench.flood();
      loaded.push(await bench.unreviewedRate(seconds));
      reviewing.push(await flood.stop());
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    figures.push(
      { suite: 'ai', name: 'reviewed orders/s while the unreviewed trader runs flat out', value: mean(reviewing), unit: 'orders/s' },
      { suite: 'ai', name: 'unreviewed signals/s alone', value: mean(alone), unit: 'signals/s' },
      { suite: 'ai', name: 'unreviewed signals/s with reviews in flight', value: mean(loaded), unit: 'signals/s' },
      { suite: 'ai', name: 'unreviewed throughput kept', value: mean(loaded) / mean(alone), unit: 'x', goal: { kind: 'min', value: 0.9 } },
      { suite: 'ai', name: 'fake max concurrent calls', value: fake.maxConcurrent, unit: 'calls', goal: { kind: 'max', value: CONCURRENCY } },
    );
    return figures;
  } finally {
    await bench?.stop();
    await fake.close();
    if (savedKey === undefined) delete process.env.ANTHROPIC_API_KEY;
    else process.env.ANTHROPIC_API_KEY = savedKey;
  }
}

interface AiBench {
  /** Signals/s of the unreviewed trader, driven flat out by the pipeline suite's `throughput` for `seconds`. */
  unreviewedRate(seconds: number): Promise<number>;
  /** Sends `count` reviewed signals at once; reviewed orders/s from the send to the last of their orders filled. */
  reviewBurst(count: number): Promise<number>;
  /** Keeps `BACKLOG` reviews waiting until `stop`, which answers the reviews decided per second meanwhile, once none is left. */
  flood(): { stop(): Promise<number> };
  stop(): Promise<void>;
}

/**
 * The platform with two traders on the paper exchange, one holding every order for review and one
 * never, the reviewer calling `fake`; the pipeline suite's probe in the events hub's place.
 */
async function startAiBench(fake: FakeAnthropic): Promise<AiBench> {
  const config = parseConfig({
    // Candles every 50 ms refresh the simulated book, so the market orders keep finding liquidity.
    exchanges: { paper: { type: 'paper', seed: 11, candleIntervalMs: 50 } },
    traders: [
      // The plain trader on the pipeline suite's one-trader market, so the figures compare.
      { id: PLAIN, symbols: [PAPER_MARKETS[0]!.symbol], balances: { USDT: 1_000_000_000 }, review: 'never' },
      { id: REVIEWED, symbols: [PAPER_MARKETS[1]!.symbol], balances: { USDT: 1_000_000_000 }, orderNotional: 100, review: { all: true, timeoutMs: 60_000 } },
    ],
    ai: {
      reviewer: 'claude',
      baseUrl: fake.url,
      concurrency: CONCURRENCY,
      // Neither limit is what is measured, and a retry would hide a failed call.
      budget: { callsPerMinute: 1_000_000, tokensPerDay: 1_000_000_000 },
      retries: 0,
    },
  });
  const tree = platformTree(config);
  tree.children = (tree.children as ChildSpecInput[]).map((child) =>
    child.id === ADDRESSES.events ? { ...child, module: moduleUrl('./actors/probe', import.meta.url) } : child,
  );
  const system = await ActorSystem.start(tree, { logger: pino({ level: 'silent' }) });
  // Market orders need a price: wait for both traders' first candle.
  for (const id of [PLAIN, REVIEWED]) {
    while (!Object.keys((await system.request<TraderStatus>(traderAddress(id), { type: 'status' })).marks).length) await sleep(20);
  }

  const serial = new Map<string, number>();
  const signals = (trader: string, count: number, prefix: string, action: (i: number) => string) => {
    const symbol = config.traders.find((t) => t.id === trader)!.symbols![0]!;
    let next = serial.get(trader) ?? 0;
    const batch = Array.from({ length: count }, () => {
      const i = next++;
      return { id: `${prefix}:${trader}:${i}`, strategy: 'bench', symbol, action: action(i) };
    });
    serial.set(trader, next);
    return { ids: batch.map((s) => s.id), accepted: system.send(traderAddress(trader), { type: 'signals', signals: batch }) };
  };
  // Buys only: a sell reviewed after its buy was rejected would have nothing to sell, and never reach the reviewer.
  const sendReviewed = (count: number) => {
    if (!signals(REVIEWED, count, 'review', () => 'BUY').accepted) throw new Error('the reviewed trader refused a signals message: its mailbox is full');
  };
  const reviewer = () => system.request<ReviewerStatus>(ADDRESSES.reviewer, { type: 'status' });
  const decided = ({ stats: { reviews } }: ReviewerStatus) => reviews.approve + reviews.reject + reviews.human + reviews.failed;
  const stalled = (status: ReviewerStatus, what: string) =>
    new Error(`${what}: reviews still undecided after ${STALL_MS / 1000} s (in flight ${status.inFlight}, queued ${status.queued}, reviews ${JSON.stringify(status.stats.reviews)}, calls ${JSON.stringify(status.stats.calls)})`);
  const liveOrders = async (trader: string) => Object.keys((await system.request<TraderStatus>(traderAddress(trader), { type: 'status' })).orders).length;

  const plain: Pipeline = {
    system,
    traders: [PLAIN],
    send: (trader, count, prefix) => signals(trader, count, prefix, (i) => (i % 2 === 0 ? 'BUY' : 'CLOSE')),
    probe: () => system.request<ProbeReply>(ADDRESSES.events, { type: 'take' }),
    stop: async () => void (await stopPlatform(system, config)),
  };

  return {
    async unreviewedRate(seconds) {
      // Every run starts from an empty pipeline, as the first did.
      while ((await liveOrders(PLAIN)) > 0) await sleep(10);
      return throughput(plain, seconds);
    },

    async reviewBurst(count) {
      const before = await reviewer();
      const start = performance.now();
      sendReviewed(count);
      let status = before;
      while (decided(status) - decided(before) < count) {
        if (performance.now() - start > STALL_MS) throw stalled(status, `burst of ${count}`);
        await sleep(5);
        status = await reviewer();
      }
      const approved = status.stats.reviews.approve - before.stats.reviews.approve;
      if (approved !== count) throw new Error(`burst of ${count}: ${approved} approved; reviews ${JSON.stringify(status.stats.reviews)}, calls ${JSON.stringify(status.stats.calls)}`);
      // End to end: each verdict back at the trader, its order sent on to the exchange and filled.
      while ((await liveOrders(REVIEWED)) > 0) {
        if (performance.now() - start > STALL_MS) throw new Error(`burst of ${count}: approved orders still live at the trader after ${STALL_MS / 1000} s`);
        await sleep(5);
      }
      return (count * 1000) / (performance.now() - start);
    },

    flood() {
      let running = true;
      const flooding = (async () => {
        const first = await reviewer();
        const start = performance.now();
        let status = first;
        let sent = 0;
        while (running) {
          // Counted from what was sent, not the reviewer's `inFlight`: signals on their way through the trader are not in it yet.
          const undecided = sent - (decided(status) - decided(first));
          if (undecided < BACKLOG) {
            sendReviewed(BACKLOG - undecided);
            sent += BACKLOG - undecided;
          }
          await sleep(10);
          status = await reviewer();
        }
        const rate = ((decided(status) - decided(first)) * 1000) / (performance.now() - start);
        // The next run is alone: let the reviews still undecided finish first.
        const draining = performance.now();
        while (decided(status) - decided(first) < sent || status.inFlight > 0) {
          if (performance.now() - draining > STALL_MS) throw stalled(status, 'flood');
          await sleep(10);
          status = await reviewer();
        }
        return rate;
      })();
      // `stop` hands a failure on; until then it must not count as unhandled.
      flooding.catch(() => {});
      return {
        stop: () => {
          running = false;
          return flooding;
        },
      };
    },

    stop: async () => void (await stopPlatform(system, config)),
  };
}
