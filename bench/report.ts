import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as hdr from 'hdr-histogram-js';

/** One measured figure, with the plan's target and this platform's own stricter goal. */
export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** `min`: higher is better; `max`: lower is better. */
  goal?: { kind: 'min' | 'max'; value: number; source: string };
}

export function passes(figure: Figure): boolean | undefined {
  if (!figure.goal) return undefined;
  return figure.goal.kind === 'min' ? figure.value >= figure.goal.value : figure.value <= figure.goal.value;
}

/** Latency percentiles from an HDR histogram of microseconds. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const verdict = passes(f);
    return [
      f.suite,
      f.name,
      `${formatNumber(f.value)} ${f.unit}`,
      f.goal ? `${f.goal.kind === 'min' ? '>=' : '<='} ${formatNumber(f.goal.value)} (${f.goal.source})` : '-',
      verdict === undefined ? '' : verdict ? 'pass' : 'MISS',
    ];
  });
  const header = ['suite', 'figure', 'measured', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function formatNumber(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

export function writeResults(path: string, figures: Figure[], quick: boolean): void {
  mkdirSync(new URL('.', `file://${path}`).pathname, { recursive: true });
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), quick, machine, figures }, null, 2)}\n`);
}
