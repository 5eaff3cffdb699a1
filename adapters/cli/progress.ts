import { MultiBar, Presets } from 'cli-progress';

/** How far one part of a long command is: a v2 table being migrated, a symbol's candles being downloaded. */
export interface Progress {
  label: string;
  done: number;
  total: number;
}

export interface ProgressDisplay {
  update(progress: Progress): void;
  stop(): void;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Progress per part with `unit`/s and ETA: bars on a terminal (cli-progress), else a line at each
 * update (a committed chunk, a page of candles), which a log keeps readable.
 */
export function progressDisplay(unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const started = new Map<string, { at: number; done: number }>();
  const rate = (p: Progress) => {
    const start = started.get(p.label) ?? started.set(p.label, { at: performance.now(), done: p.done }).get(p.label)!;
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
        stream.write(`${p.label}: ${n(p.done)}/${n(p.total)} ${unit} (${pct} %), ${n(Math.round(perSecond))} ${unit}/s${eta && eta > 0 ? `, ETA ${eta.toFixed(0)} s` : ''}\n`);
      },
      stop() {},
    };
  }
  const bars = new MultiBar(
    { stream, format: `{label} [{bar}] {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
    Presets.shades_classic,
  );
  const byLabel = new Map<string, ReturnType<MultiBar['create']>>();
  let stopped = false;
  return {
    update(p) {
      const speed = n(Math.round(rate(p).perSecond));
      const bar = byLabel.get(p.label) ?? byLabel.set(p.label, bars.create(p.total, p.done, { label: p.label.padEnd(9), speed })).get(p.label)!;
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
