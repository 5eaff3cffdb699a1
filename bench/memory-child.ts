import { setTimeout as sleep } from 'node:timers/promises';
import { collectedRss, printReading } from './child.js';
import { startPipeline } from './pipeline.js';

const BATCH = 500;

/** What the memory suite's child process reports on its stdout, as one JSON line. */
export interface MemoryReading {
  traders: number;
  /** RSS (bytes) with the platform started, before any signal. */
  cold: number;
  /** RSS (bytes) after the warm-up signals and a second of rest, before a collection of the main thread's heap. */
  warm: number;
  /** The same after `global.gc()` in the main thread (equal to `warm` when gc is not exposed). */
  collected: number;
  gc: boolean;
  startupMs: number;
}

/**
 * Child process of the memory suite (`node --expose-gc memory-child.js COUNT WARM`): a fresh process, so
 * that nothing of an earlier platform or suite is in its RSS. Starts the pipeline's platform with COUNT
 * traders, sends each WARM market BUY signals (a multiple of 500, one batch per trader at
 * a time), waits until all are filled and a second more, then reads the process's RSS, which all the
 * worker threads share. Only types may be imported from this module: importing it runs it.
 */
async function main(count: number, warmSignals: number): Promise<MemoryReading> {
  const started = performance.now();
  const p = await startPipeline(count);
  try {
    const startupMs = performance.now() - started;
    const cold = process.memoryUsage.rss();
    for (let sent = 0; sent < warmSignals; sent += BATCH) {
      for (const trader of p.traders) if (!p.send(trader, BATCH, 'warm').accepted) await p.system.drained(`trader.${trader}`);
      // One batch per trader at a time: the window of the pipeline suite, not a queue of everything.
      const target = (sent + BATCH) * count;
      const deadline = performance.now() + 120_000;
      while ((await p.probe()).filled < target) {
        if (performance.now() > deadline) throw new Error(`memory: only ${(await p.probe()).filled} of ${target} warm-up signals filled in 120 s`);
        await sleep(20);
      }
    }
    await sleep(1_000);
    const warm = process.memoryUsage.rss();
    return { traders: count, cold, warm, collected: await collectedRss(), gc: 'gc' in globalThis, startupMs };
  } finally {
    await p.stop();
  }
}

const [count, warmSignals] = process.argv.slice(2, 4).map(Number);
if (!Number.isInteger(count) || count! < 1 || !Number.isInteger(warmSignals) || warmSignals! < 0) {
  throw new Error(`usage: memory-child COUNT WARM (got ${process.argv.slice(2).join(' ')})`);
}
printReading(await main(count!, warmSignals!));
