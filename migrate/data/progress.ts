import { MultiBar, Presets } from 'cli-progress';
import type { V2Table } from '../v2/schema.js';
import type { TableProgress } from './run.js';

export interface ProgressDisplay {
  update(progress: TableProgress): void;
  stop(): void;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Per-table progress of a run with rows/s and ETA: bars on a terminal (cli-progress), else a line at
 * each committed chunk, which a log keeps readable.
 */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const started = new Map<V2Table, { at: number; done: number }>();
  const rate = (p: TableProgress) => {
    const start = started.get(p.table) ?? started.set(p.table, { at: performance.now(), done: p.done }).get(p.table)!;
    const seconds = (performance.now() - start.at) / 1000;
    const perSecond = seconds > 0 ? (p.done - start.done) / seconds : 0;
    return { perSecond, eta: perSecond > 0 ? (p.total - p.done) / perSecond : undefined };
  };
  if (!stream.isTTY) {
    return {
      update(p) {
        const { perSecond, eta } = rate(p);
        if (perSecond === 0 && p.done < p.total) return;
        const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
        stream.write(`${p.table}: ${n(p.done)}/${n(p.total)} rows (${pct} %), ${n(Math.round(perSecond))} rows/s${eta && eta > 0 ? `, ETA ${eta.toFixed(0)} s` : ''}\n`);
      },
      stop() {},
    };
  }
  const bars = new MultiBar(
    { stream, format: '{table} [{bar}] {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}', hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
    Presets.shades_classic,
  );
  const byTable = new Map<V2Table, ReturnType<MultiBar['create']>>();
  let stopped = false;
  return {
    update(p) {
      const speed = n(Math.round(rate(p).perSecond));
      const bar = byTable.get(p.table) ?? byTable.set(p.table, bars.create(p.total, p.done, { table: p.table.padEnd(9), speed })).get(p.table)!;
      bar.setTotal(p.total);
      bar.update(p.done, { speed });
    },
    // Stopped once the run is summed up, and again by the caller's cleanup on every path.
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}
