import { collectedRss, printReading } from './child.js';
import { latency, startPipeline } from './pipeline.js';

/** What the fleet suite's child process reports on its stdout, as one JSON line. */
export interface FleetReading {
  traders: number;
  /** From the start of the platform until every trader has its first price. */
  startupMs: number;
  /** RSS (bytes) once started, and after the signals; both after a collection of the main thread's heap. */
  started: number;
  after: number;
  p50: number;
  p99: number;
  sent: number;
}

/**
 * Child process of the fleet suite (`node --expose-gc fleet-child.js COUNT SECONDS`): the pipeline's
 * platform with COUNT traders, each in its own worker thread, and a candle a second, started until each
 * has its first price; then one signal a second for each trader (sent to the traders in turn) for a
 * second of warm-up and SECONDS timed, each timed from its send to its order's first acknowledgement.
 * Only types may be imported from this module: importing it runs it.
 */
async function main(count: number, seconds: number): Promise<FleetReading> {
  const begun = performance.now();
  // A candle a second: the pace of a fleet's markets, not the 50 ms that keeps a flat-out load in liquidity.
  const p = await startPipeline(count, undefined, 1_000);
  try {
    const startupMs = performance.now() - begun;
    const started = await collectedRss();
    const timed = await latency(p, count, seconds);
    if (timed.acked < timed.sent) throw new Error(`fleet: ${timed.sent - timed.acked} of ${timed.sent} signals were never acknowledged`);
    return { traders: count, startupMs, started, after: await collectedRss(), p50: timed.p50, p99: timed.p99, sent: timed.sent };
  } finally {
    await p.stop();
  }
}

const [count, seconds] = process.argv.slice(2, 4).map(Number);
if (!Number.isInteger(count) || count! < 1 || !(seconds! > 0)) throw new Error(`usage: fleet-child COUNT SECONDS (got ${process.argv.slice(2).join(' ')})`);
printReading(await main(count!, seconds!));
