import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { latency, startPipeline, steadyThroughput, type Pipeline } from './pipeline.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** The steady rate of the latency figures, spread over the traders in turn: modest, so the figure is the path's time, not a queue's. */
const LATENCY_RATE = 2_000;
/** Signals per message and in flight per trader, as in the pipeline suite. */
const BATCH = 500;
const PER_TRADER = 2_000;
/**
 * Signals in flight in all, at most: the pipeline suite's 2,000 per trader up to 4 traders. Beyond that
 * more in flight only queues (one paper exchange and the main thread serve every trader), and 2,000 per
 * trader with 64 traders grew the process past 20 GB of RSS until the kernel killed it.
 */
const MAX_IN_FLIGHT = 8_000;
/** The longest warm-up of a full run: 64 traders took 20-40 s here to stop getting faster. */
const MAX_WARMUP_MS = 60_000;
/**
 * CPU that V8 spends compiling one worker's hot code, about (profiled here: 6.6 s for 4 traders, the
 * exchange and the main thread). Every worker compiles its own, on the same cores, so a full run's
 * warm-up lasts at least this much per trader over the cores, however flat a noisy rate looks before.
 */
const COMPILE_MS_PER_WORKER = 500;

/**
 * The flat-out load for `count` traders: every trader one message in flight at least, none more than
 * the pipeline suite's window; and its shortest warm-up: the pipeline suite's, plus 25 ms a trader.
 */
export function load(count: number, seconds: number): { window: number; batch: number; warmupMs: number } {
  const window = Math.min(PER_TRADER * count, MAX_IN_FLIGHT);
  return { window, batch: Math.min(BATCH, Math.floor(window / count)), warmupMs: Math.min(1_000, seconds * 300) + 25 * count };
}

/** Waits until the flat-out run's last signals are filled: no fill for 200 ms. */
async function settle(p: Pipeline): Promise<void> {
  const deadline = performance.now() + 30_000;
  let filled = (await p.probe()).filled;
  for (let quiet = 0; quiet < 4; ) {
    if (performance.now() > deadline) throw new Error('scaling: the flat-out run was still filling orders 30 s after it ended');
    await sleep(50);
    const now = (await p.probe()).filled;
    quiet = now === filled ? quiet + 1 : 0;
    filled = now;
  }
}

/**
 * Scaling suite: the pipeline suite's platform (one paper exchange, each trader in its own worker) with
 * 1 to 64 traders: the time to start it until every trader has its first price, then signals/s flat out (see `load`), then signal-to-ack latency at a steady 2,000 signals/s spread
 * over the traders, once the flat-out run's backlog is filled: every worker has compiled its hot code by
 * then, which a second of warm-up at 2,000/s over 64 traders does not give it.
 */
export async function scalingSuite(options: SuiteOptions): Promise<Figure[]> {
  const counts = options.quick ? [1, 4, 16, 64] : [1, 2, 4, 8, 16, 64];
  const seconds = options.quick ? 1.5 : 5;
  const latencySeconds = options.quick ? 1 : 3;
  const figures: Figure[] = [];
  const rate = LATENCY_RATE.toLocaleString('en-US');
  for (const count of counts) {
    const traders = `${count} trader${count > 1 ? 's' : ''}`;
    options.progress(`scaling: starting ${traders}, each in its own worker`);
    const started = performance.now();
    const platform: Pipeline = await startPipeline(count);
    const startup = (performance.now() - started) / 1000;
    try {
      const flatOut = load(count, seconds);
      options.progress(
        `scaling: ${traders} ready in ${startup.toFixed(2)} s; throughput flat out ` +
          `(${flatOut.window.toLocaleString('en-US')} in flight, messages of ${flatOut.batch}), ` +
          (options.quick ? `${(flatOut.warmupMs / 1000).toFixed(2)} s warm-up` : 'warmed up until it stops getting faster') + ` + ${seconds} s`,
      );
      // A quick run's figures are a smoke test: it does not wait for every worker's compiler.
      const minMs = options.quick ? flatOut.warmupMs : Math.max(flatOut.warmupMs, (count * COMPILE_MS_PER_WORKER) / availableParallelism());
      const { rate: signals, warmupMs } = await steadyThroughput(platform, seconds, { ...flatOut, minMs, maxMs: options.quick ? minMs : MAX_WARMUP_MS });
      await settle(platform);
      options.progress(`scaling: ${traders}: ${Math.round(signals).toLocaleString('en-US')} signals/s after ${(warmupMs / 1000).toFixed(1)} s of warm-up; signal-to-ack latency at ${rate} signals/s, 1 s warm-up + ${latencySeconds} s`);
      const timed = await latency(platform, LATENCY_RATE, latencySeconds);
      if (timed.acked < timed.sent) throw new Error(`scaling, ${traders}: ${timed.sent - timed.acked} of ${timed.sent} probe signals were never acknowledged`);
      options.progress(`scaling: ${traders}: p50 ${timed.p50.toFixed(2)} ms, p99 ${timed.p99.toFixed(2)} ms`);
      figures.push(
        { suite: 'scaling', name: `signals/s, ${traders}`, value: signals, unit: 'signals/s', plan: { kind: 'min', value: 1_000 } },
        { suite: 'scaling', name: `warm-up, ${traders}`, value: warmupMs / 1000, unit: 's', better: 'lower' },
        { suite: 'scaling', name: `signal-to-ack p99 at ${rate}/s, ${traders}`, value: timed.p99, unit: 'ms', better: 'lower' },
      );
      if (count === 64) figures.push({ suite: 'scaling', name: 'start-up time, 64 traders', value: startup, unit: 's', better: 'lower' });
    } finally {
      await platform.stop();
    }
  }
  const rates = figures.filter((f) => f.name.startsWith('signals/s'));
  const most = rates.at(-1)!;
  const ratio: Figure = { suite: 'scaling', name: `signals/s, ${counts.at(-1)} traders ÷ the best count`, value: most.value / Math.max(...rates.map((f) => f.value)), unit: 'x', goal: { kind: 'min', value: 0.9 } };
  // Throughput figures first, then warm-ups, latency and start-up: the table reads as small series.
  return [...rates, ratio, ...['warm-up', 'signal-to-ack', 'start-up'].flatMap((series) => figures.filter((f) => f.name.startsWith(series)))];
}
