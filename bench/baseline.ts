import { setTimeout as sleep } from 'node:timers/promises';
import { actorArgs, exchangeAddress, platformTree, traderAddress } from '../actors/platform/tree.js';
import type { TraderArgs } from '../actors/trader/args.js';
import { TraderCore } from '../actors/trader/core.js';
import type { TraderEvent } from '../actors/trader/events.js';
import type { ExecutionReport, OrderRequest } from '../actors/trading/exchange-protocol.js';
import { PaperEngine } from '../adapters/paper/engine.js';
import { paperOptions, type PaperExchangeArgs } from '../adapters/paper/options.js';
import { OrderLog } from '../adapters/paper/order-log.js';
import { pipelineConfig, startPipeline, throughput, type Pipeline } from './pipeline.js';
import { latencyHistogram, type Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** Signals per message of the pipeline suite. */
const BATCH = 500;

/**
 * Baseline suite: the pipeline run the way v2 worked, one synchronous loop, one trader, no workers, no
 * batching: signal -> trader core -> order request -> paper engine -> execution reports -> trader core,
 * one signal at a time in the main thread, with the same code, config and signals as the pipeline
 * suite. Then the v3 pipeline with one trader in the same run, for the v3 / v2 ratio.
 *
 * Both are measured in their steady state: after the paper exchange has placed more orders than its
 * order log and duplicate window hold (65,536), and the trader more than its dedupe window (32,768).
 * Until then both run faster: evicting from the full order log costs the exchange about 20 µs an order
 * (`OrderLog.record` takes the oldest key from a Map that deletions have left full of holes).
 */
export async function baselineSuite(options: SuiteOptions): Promise<Figure[]> {
  const seconds = options.quick ? 1.5 : 5;
  const loop = await startV2Loop();
  const steady = loop.orderLogCapacity + BATCH;
  options.progress(`baseline: v2-style synchronous loop, 1 trader: warm-up past ${steady.toLocaleString('en-US')} orders, then ${seconds}s`);
  const v2 = measureV2Loop(loop, seconds, steady);
  options.progress(
    `baseline: loop ran ${v2.signals.toLocaleString('en-US')} signals in the window, ${v2.filled.toLocaleString('en-US')} orders filled, ` +
      `${v2.candles} candles; p50 ${v2.p50.toFixed(3)} ms, p99 ${v2.p99.toFixed(3)} ms`,
  );
  if (v2.filled !== v2.signals) throw new Error(`v2-style loop: ${v2.signals - v2.filled} of ${v2.signals} signals did not end in a filled order`);

  const figures: Figure[] = [
    { suite: 'baseline', name: 'v2-style loop signals/s', value: v2.rate, unit: 'signals/s', plan: { kind: 'min', value: 1_000 } },
    { suite: 'baseline', name: 'v2-style loop latency p50', value: v2.p50, unit: 'ms' },
    { suite: 'baseline', name: 'v2-style loop latency p99', value: v2.p99, unit: 'ms' },
  ];
  // One trader should match the loop; two, on two cores, should beat it by half.
  for (const [traders, goal] of [[1, 1], [2, 1.5]] as const) {
    options.progress(`baseline: v3 pipeline, ${traders} trader(s) in workers: warm-up past ${steady.toLocaleString('en-US')} orders each, then ${seconds}s`);
    const platform = await startPipeline(traders);
    let v3: number;
    try {
      await fillPast(platform, steady);
      v3 = await throughput(platform, seconds);
    } finally {
      await platform.stop();
    }
    const name = `${traders} trader${traders > 1 ? 's' : ''}`;
    figures.push(
      { suite: 'baseline', name: `v3 pipeline signals/s, ${name}`, value: v3, unit: 'signals/s', plan: { kind: 'min', value: 1_000 } },
      { suite: 'baseline', name: `v3 ${name} / v2 signals/s`, value: v3 / v2.rate, unit: 'x', goal: { kind: 'min', value: goal } },
    );
  }
  return figures;
}

/** What one signal did in the loop. */
export interface StepOutcome {
  /** Order requests the trader sent to the exchange (0 when it skipped or rejected the signal). */
  orders: number;
  reports: ExecutionReport[];
  /** Orders that reached `filled`, as the events of the trader report them (what the pipeline's probe counts). */
  filled: number;
  events: TraderEvent[];
}

/** The pipeline's first trader and its paper exchange, driven by hand in this thread. */
export interface V2Loop {
  core: TraderCore;
  engine: PaperEngine;
  account: string;
  symbol: string;
  /** Orders the paper exchange's order log and duplicate check remember: past this many, both evict. */
  orderLogCapacity: number;
  /** Wall-clock ms between candles on the pipeline's paper exchange. */
  candleIntervalMs: number;
  /** Signals sent so far (each a market BUY, which the loop fills before the next: every signal trades). */
  readonly sent: number;
  /** Candles the engine has published to the trader. */
  readonly candles: number;
  /** Moves the market one candle, as the paper exchange's timer does, and hands the trader its candles and any reports. */
  candle(): void;
  /** One signal through the whole pipeline, synchronously. */
  step(): StepOutcome;
}

/**
 * The pipeline suite's platform (`pipelineConfig(1)`: paper exchange seed 11, 1e9 USDT, the first
 * paper market) without an actor system: the trader's core and the paper engine built from the very
 * args the platform would start them with, and the first candle published so market orders have a price.
 */
export async function startV2Loop(): Promise<V2Loop> {
  const config = pipelineConfig(1);
  const tree = platformTree(config);
  const exchangeArgs = actorArgs<PaperExchangeArgs>(tree, exchangeAddress('paper'));
  const args = actorArgs<TraderArgs>(tree, traderAddress(config.traders[0]!.id));

  // As the paper exchange actor's init does.
  const run = Date.now().toString(36);
  const engine = new PaperEngine({ ...(await paperOptions(exchangeArgs)), idPrefix: `${run}-` });
  for (const [account, balances] of Object.entries(exchangeArgs.accounts)) engine.deposit(account, balances);
  const log = new OrderLog(exchangeArgs.dedupeWindow);
  // As the trader actor's init does (no snapshot, no persistence).
  const self = traderAddress(args.id);
  const core = new TraderCore(args, self, undefined);
  const symbols = args.markets.map((m) => m.symbol);
  const symbol = symbols[0]!;

  let sent = 0;
  let candles = 0;
  let message = 0;
  const countFilled = (events: TraderEvent[]) => {
    let filled = 0;
    for (const event of events) if (event.kind === 'order' && event.order.status === 'filled') filled++;
    return filled;
  };
  /** The exchange actor's `place`: the engine answers, the order log records, the reports go back to the trader as one `executions` message. */
  const place = (orders: OrderRequest[], now: number): ExecutionReport[] => {
    const reports: ExecutionReport[] = [];
    for (const order of orders) {
      for (const report of engine.place(order, now)) {
        log.record(report);
        reports.push(report);
      }
    }
    return reports;
  };

  const loop: V2Loop = {
    core,
    engine,
    account: args.account,
    symbol,
    candleIntervalMs: exchangeArgs.candleIntervalMs,
    orderLogCapacity: exchangeArgs.dedupeWindow,
    get sent() {
      return sent;
    },
    get candles() {
      return candles;
    },
    candle() {
      const now = Date.now();
      const advanced = engine.advance(now);
      candles++;
      const wanted = advanced.candles.filter((c) => symbols.includes(c.symbol));
      if (wanted.length > 0) core.onCandles(wanted, now);
      const reports = advanced.reports.filter((r) => r.replyTo === self).map((r) => r.report);
      for (const report of reports) log.record(report);
      if (reports.length > 0) core.onExecutions(reports, now);
      core.drain();
    },
    step() {
      const i = sent++;
      const signal = { id: `load:${args.id}:${i}`, strategy: 'bench', symbol, action: 'BUY' };
      const now = Date.now();
      core.onSignal(signal, `m${++message}`, now);
      const first = core.drain();
      const reports = first.orders.length > 0 ? place(first.orders, Date.now()) : [];
      if (reports.length === 0) return { orders: first.orders.length, reports, filled: countFilled(first.events), events: first.events };
      core.onExecutions(reports, Date.now());
      const second = core.drain();
      const events = first.events.concat(second.events);
      return { orders: first.orders.length, reports, filled: countFilled(events), events };
    },
  };
  loop.candle();
  return loop;
}

/**
 * Runs the loop flat out for a warm-up (a second at most, and until `warmSignals` signals in all have
 * been sent), then `seconds` measured: signals/s, and each signal's time from
 * entering the trader to its last execution report applied (microseconds in the histogram, ms out). A
 * candle falls due every `candleIntervalMs` (50 ms) of wall time, as on the paper exchange's timer, and is
 * processed between two signals, outside either one's time.
 */
export function measureV2Loop(loop: V2Loop, seconds: number, warmSignals = 0): { rate: number; p50: number; p99: number; signals: number; filled: number; candles: number } {
  const { candleIntervalMs } = loop;
  const histogram = latencyHistogram();
  const warmupMs = Math.min(1_000, seconds * 300);
  let nextCandle = performance.now() + candleIntervalMs;
  const drive = (untilMs: number, record: boolean) => {
    let signals = 0;
    let filled = 0;
    for (;;) {
      const t0 = performance.now();
      if (t0 >= untilMs) return { signals, filled };
      if (t0 >= nextCandle) {
        loop.candle();
        nextCandle += candleIntervalMs;
        continue;
      }
      const outcome = loop.step();
      const t1 = performance.now();
      signals++;
      filled += outcome.filled;
      if (record) histogram.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
    }
  };
  drive(performance.now() + warmupMs, false);
  while (loop.sent < warmSignals) drive(performance.now() + 10, false);
  const candlesBefore = loop.candles;
  const start = performance.now();
  const { signals, filled } = drive(start + seconds * 1000, true);
  const elapsed = performance.now() - start;
  const result = {
    rate: (signals * 1000) / elapsed,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    signals,
    filled,
    candles: loop.candles - candlesBefore,
  };
  histogram.destroy();
  return result;
}

/** Keeps every trader of the pipeline busy (2,000 signals in flight each, as `throughput`) until `orders` orders each are filled. */
async function fillPast(p: Pipeline, orders: number): Promise<void> {
  const total = orders * p.traders.length;
  let sent = 0;
  let last = { filled: -1, at: performance.now() };
  for (;;) {
    const { filled } = await p.probe();
    if (filled >= total) return;
    if (filled !== last.filled) last = { filled, at: performance.now() };
    else if (performance.now() - last.at > 30_000) throw new Error(`baseline: the v3 pipeline filled no order for 30 s (${filled} of ${total})`);
    while (sent - filled < 4 * BATCH * p.traders.length) {
      const trader = p.traders[(sent / BATCH) % p.traders.length]!;
      sent += BATCH;
      if (!p.send(trader, BATCH, 'warm').accepted) await p.system.drained(traderAddress(trader));
    }
    await sleep(1);
  }
}
