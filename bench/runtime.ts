import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { moduleUrl } from '../runtime/module-url.js';
import { WINDOW_BATCHES } from '../runtime/options.js';
import { ActorSystem } from '../runtime/system.js';
import { latencyHistogram, type Figure } from './report.js';

const counter = moduleUrl('./actors/counter', import.meta.url);
const silent = pino({ level: 'silent' });

export interface SuiteOptions {
  quick: boolean;
  progress(line: string): void;
}

/**
 * Runtime suite: messages/s delivered from the supervisor to actors in workers (processed and
 * acknowledged, over a steady window after warm-up), and crash-to-processing-again latency.
 */
export async function runtimeSuite(options: SuiteOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  const seconds = options.quick ? 1.5 : 5;
  const rates: number[] = [];
  for (const workers of [1, 2, 4]) {
    options.progress(`runtime: throughput to ${workers} worker(s), ${seconds}s`);
    const rate = await throughput(workers, seconds);
    rates.push(rate);
    figures.push({
      suite: 'runtime',
      name: `messages/s to ${workers} worker${workers > 1 ? 's' : ''}`,
      value: rate,
      unit: 'msg/s',
      goal: { kind: 'min', value: 2_000_000 },
    });
  }
  options.progress(`runtime: raw batched postMessage to 1 worker, ${seconds}s`);
  const raw = await rawThroughput(seconds);
  figures.push(
    { suite: 'runtime', name: 'raw batched postMessage to 1 worker', value: raw, unit: 'msg/s', better: 'higher' },
    { suite: 'runtime', name: 'messages/s to 1 worker / raw batched postMessage', value: rates[0]! / raw, unit: 'x', goal: { kind: 'min', value: 0.8 } },
  );
  for (const kind of ['crash', 'exit'] as const) {
    options.progress(`runtime: crash-to-processing latency (${kind === 'crash' ? 'throw' : 'process.exit'})`);
    const { p50, p99 } = await recovery(kind, options.quick ? 20 : 100);
    const what = kind === 'crash' ? 'throw, same thread' : 'process.exit, warm spare';
    figures.push(
      { suite: 'runtime', name: `recovery p50 (${what})`, value: p50, unit: 'ms', goal: { kind: 'max', value: kind === 'crash' ? 50 : 20 } },
      { suite: 'runtime', name: `recovery p99 (${what})`, value: p99, unit: 'ms' },
    );
  }
  return figures;
}

async function throughput(workers: number, seconds: number): Promise<number> {
  const ids = Array.from({ length: workers }, (_, i) => `counter.${i}`);
  const system = await ActorSystem.start(
    { id: 'root', children: ids.map((id) => ({ id, module: counter, mailbox: { capacity: 200_000 } })) },
    { logger: silent },
  );
  const acknowledged = () => system.status().actors.reduce((sum, a) => sum + a.mailbox.acknowledged, 0);
  let running = true;
  const produce = async () => {
    const message = { type: 'm', n: 1 };
    let i = 0;
    while (running) {
      // Fill every mailbox, then give the event loop a turn to dispatch and take acknowledgements.
      for (let k = 0; k < 20_000; k++) {
        if (!system.send(ids[i++ % workers]!, message)) {
          await system.drained(ids[(i - 1) % workers]!);
          break;
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const producing = produce();
  await sleep(Math.min(1_000, seconds * 300));
  const startCount = acknowledged();
  const startTime = performance.now();
  await sleep(seconds * 1000);
  const rate = ((acknowledged() - startCount) * 1000) / (performance.now() - startTime);
  running = false;
  await producing;
  await system.shutdown();
  return rate;
}

/**
 * What the runtime's delivery is judged against: the same messages in batches of the same size and
 * window, posted to a bare worker that counts them and answers each batch, with no mailbox, validation,
 * snapshot or supervision.
 */
async function rawThroughput(seconds: number): Promise<number> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let count = 0;
     parentPort.on('message', (batch) => { for (const m of batch) if (m.type === 'm') count += m.n; parentPort.postMessage(batch.length); });`,
    { eval: true },
  );
  const BATCH = 1_000;
  const WINDOW = WINDOW_BATCHES;
  const batch = Array.from({ length: BATCH }, () => ({ type: 'm', n: 1 }));
  let done = 0;
  let inFlight = 0;
  const post = () => {
    while (inFlight < WINDOW) {
      worker.postMessage(batch);
      inFlight++;
    }
  };
  worker.on('message', (n: number) => {
    done += n;
    inFlight--;
    post();
  });
  post();
  await sleep(Math.min(1_000, seconds * 300));
  const start = { done, at: performance.now() };
  await sleep(seconds * 1000);
  const rate = ((done - start.done) * 1000) / (performance.now() - start.at);
  await worker.terminate();
  return rate;
}

async function spareReady(system: ActorSystem): Promise<void> {
  for (;;) {
    const counts = system.spares!.counts;
    if (counts.held > counts.loading && counts.wanted === 0) return;
    await sleep(5);
  }
}

/** Time from sending a message that kills the actor to the reply of the request queued right behind it. */
async function recovery(kind: 'crash' | 'exit', rounds: number): Promise<{ p50: number; p99: number }> {
  const system = await ActorSystem.start(
    {
      id: 'root',
      // Immediate restarts for every round: by default only the first restart in 30 s is immediate.
      intensity: { maxRestarts: rounds + 1, withinMs: 60_000 },
      backoff: { initialMs: 0, maxMs: 0, jitter: 0 },
      children: [{ id: 'victim', module: counter }],
    },
    { logger: silent },
  );
  const histogram = latencyHistogram();
  for (let i = 0; i < rounds; i++) {
    // A new worker takes the warm spare, which is what the figure is about: each round waits until
    // the pool has one loaded again (crash loops faster than a spare loads find none, and pay ~50 ms).
    if (kind === 'exit') await spareReady(system);
    const t0 = performance.now();
    system.send('victim', { type: kind });
    await system.request('victim', { type: 'ping' }, { timeoutMs: 10_000 });
    histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  await system.shutdown();
  const result = { p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000 };
  histogram.destroy();
  return result;
}
