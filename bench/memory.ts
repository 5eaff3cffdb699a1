import { moduleUrl } from '../runtime/module-url.js';
import { runChild } from './child.js';
import type { MemoryReading } from './memory-child.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

const MIB = 2 ** 20;
/** Warm-up signals per trader before the reading. */
const WARM_SIGNALS = 1_000;
const MANY = 64;

/**
 * Memory suite: RSS of the pipeline's platform with 1 and with 64 traders, each platform in a fresh
 * child process (`--expose-gc`, collected in the main thread before the reading), its traders started
 * and warmed by 1,000 filled signals each. Worker threads share their process's RSS, so a trader's
 * worker costs (RSS with 64 - RSS with 1) / 63; the spare workers, the paper exchange and the main
 * thread are in both readings alike.
 */
export async function memorySuite(options: SuiteOptions): Promise<Figure[]> {
  const readings: MemoryReading[] = [];
  for (const traders of [1, MANY]) {
    options.progress(`memory: ${traders} trader(s) in a fresh process, ${WARM_SIGNALS.toLocaleString('en-US')} signals each, then RSS`);
    const reading = await measure(traders);
    options.progress(
      `memory: ${traders} trader(s): started in ${(reading.startupMs / 1000).toFixed(2)} s; RSS cold ${mib(reading.cold)}, warm ${mib(reading.warm)}, ` +
        `${reading.gc ? `after gc ${mib(reading.collected)}` : 'gc not exposed'} MiB`,
    );
    readings.push(reading);
  }
  const [one, many] = readings as [MemoryReading, MemoryReading];
  return [
    { suite: 'memory', name: 'RSS, 1 trader', value: one.collected / MIB, unit: 'MiB', better: 'lower' },
    { suite: 'memory', name: `RSS, ${MANY} traders`, value: many.collected / MIB, unit: 'MiB', better: 'lower' },
    { suite: 'memory', name: 'RSS per trader worker', value: (many.collected - one.collected) / (MANY - 1) / MIB, unit: 'MiB', better: 'lower' },
  ];
}

const mib = (bytes: number) => (bytes / MIB).toFixed(1);

function measure(traders: number): Promise<MemoryReading> {
  return runChild<MemoryReading>(moduleUrl('./memory-child', import.meta.url), [String(traders), String(WARM_SIGNALS)], `memory, ${traders} trader(s)`, 180_000);
}
