import { freemem } from 'node:os';
import { moduleUrl } from '../runtime/module-url.js';
import { runChild } from './child.js';
import type { FleetReading } from './fleet-child.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
/** The fleet the issue sets figures for, and the small fleets that run first (only the larger with `--quick`). */
const FLEET = 1_000;
const SMALL = [25, 50] as const;
/** Of the memory free now, what a fleet may be projected to take: the rest is the machine's. */
const MEMORY_SHARE = 0.7;

/**
 * Fleet suite: many traders, each in its own worker thread, in a fresh process: the time to start them
 * until each has its first price, the process's RSS, and signal-to-ack latency at one signal a second
 * per trader. Two small fleets run first, and give the RSS a trader adds; then the full fleet, or the
 * largest that fits in `MEMORY_SHARE` of the memory free now (so the suite never drives the machine
 * into swap or the OOM killer), with the full fleet's RSS projected from it.
 */
export async function fleetSuite(options: SuiteOptions): Promise<Figure[]> {
  const seconds = options.quick ? 2 : 5;
  if (options.quick) return fleetFigures(await measure(SMALL[1], seconds, options), false);
  const [a, b] = [await measure(SMALL[0], seconds, options), await measure(SMALL[1], seconds, options)];
  // From the readings after the signals, as the figures are: 936 traders took 10.0 GiB here, where the
  // start readings of 25 and 50 (before a collection) projected 16 GiB.
  const perTrader = (b.after - a.after) / (b.traders - a.traders);
  const project = (traders: number) => b.after + (traders - b.traders) * perTrader;
  const free = freemem();
  const fits = Math.min(FLEET, Math.floor(b.traders + (MEMORY_SHARE * free - b.after) / perTrader));
  const figures = [...fleetFigures(b, false), { suite: 'fleet', name: `RSS a trader adds (${a.traders} to ${b.traders} traders)`, value: perTrader / MIB, unit: 'MiB', goal: { kind: 'max', value: 12 } } satisfies Figure];
  if (fits < FLEET) {
    options.progress(`fleet: ${FLEET.toLocaleString('en-US')} traders would take ${(project(FLEET) / GIB).toFixed(1)} GiB; ${(free / GIB).toFixed(1)} GiB is free, so ${fits} run`);
    figures.push({ suite: 'fleet', name: `RSS, ${FLEET.toLocaleString('en-US')} traders, projected`, value: project(FLEET) / GIB, unit: 'GiB', goal: { kind: 'max', value: 12 } });
  }
  if (fits > b.traders) figures.push(...fleetFigures(await measure(fits, seconds, options), fits === FLEET));
  return figures;
}

async function measure(traders: number, seconds: number, options: SuiteOptions): Promise<FleetReading> {
  options.progress(`fleet: ${traders.toLocaleString('en-US')} traders, each in its own worker, in a fresh process; then 1 signal/s each, 1 s warm-up + ${seconds} s`);
  const reading = await runChild<FleetReading>(moduleUrl('./fleet-child', import.meta.url), [String(traders), String(seconds)], `fleet, ${traders} traders`, 900_000);
  options.progress(
    `fleet: ${traders.toLocaleString('en-US')} traders: started in ${(reading.startupMs / 1000).toFixed(1)} s, RSS ${(reading.started / GIB).toFixed(2)} GiB, ` +
      `${(reading.after / GIB).toFixed(2)} GiB after ${reading.sent.toLocaleString('en-US')} signals; signal-to-ack p50 ${reading.p50.toFixed(2)} ms, p99 ${reading.p99.toFixed(2)} ms`,
  );
  return reading;
}

/** The figures of one fleet; the goals are the full fleet's. */
function fleetFigures(r: FleetReading, full: boolean): Figure[] {
  const traders = `${r.traders.toLocaleString('en-US')} traders`;
  return [
    { suite: 'fleet', name: `start-up until each has a price, ${traders}`, value: r.startupMs / 1000, unit: 's', ...(full ? { goal: { kind: 'max', value: 60 } } : { better: 'lower' }) },
    { suite: 'fleet', name: `RSS, ${traders}`, value: r.after / GIB, unit: 'GiB', ...(full ? { goal: { kind: 'max', value: 12 } } : { better: 'lower' }) },
    { suite: 'fleet', name: `RSS per trader, ${traders}`, value: r.after / r.traders / MIB, unit: 'MiB', better: 'lower' },
    { suite: 'fleet', name: `signal-to-ack p99 at 1 signal/s each, ${traders}`, value: r.p99, unit: 'ms', ...(full ? { goal: { kind: 'max', value: 20 } } : { better: 'lower' }) },
  ];
}
