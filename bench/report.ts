import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus, totalmem } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';

/** A bound a figure should keep: `min`, at least `value` (higher is better); `max`, at most. */
export interface Goal {
  kind: 'min' | 'max';
  value: number;
}

/** One measured figure, with the migration plan's target and this platform's own stricter goal. */
export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The migration plan's target, where the plan sets one. */
  plan?: Goal;
  /** This platform's own goal (stricter than the plan's), or a bound the figure must keep. */
  goal?: Goal;
  /** Which way is better, for `--compare`, where neither goal tells. */
  better?: 'higher' | 'lower';
}

export function meets(value: number, goal: Goal): boolean {
  return goal.kind === 'min' ? value >= goal.value : value <= goal.value;
}

/** Latency percentiles from an HDR histogram of microseconds. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Whole numbers from 100 on; below, three significant digits (a 0.031 ms latency stays 0.0310). */
function formatNumber(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

const bound = (goal: Goal | undefined) => (goal ? `${goal.kind === 'min' ? '>=' : '<='} ${formatNumber(goal.value)}` : '-');
const verdict = (value: number, goal: Goal | undefined) => (goal ? (meets(value, goal) ? 'pass' : 'MISS') : '');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Every figure with the plan's target and v3's goal, each passed or missed. */
export function formatTable(figures: Figure[]): string {
  return table(
    ['suite', 'figure', 'measured', 'plan', '', 'v3 goal', ''],
    figures.map((f) => [f.suite, f.name, `${formatNumber(f.value)} ${f.unit}`, bound(f.plan), verdict(f.value, f.plan), bound(f.goal), verdict(f.value, f.goal)]),
  );
}

const figureSchema = z.object({
  suite: z.string(),
  name: z.string(),
  value: z.number(),
  unit: z.string(),
  plan: z.object({ kind: z.enum(['min', 'max']), value: z.number() }).optional(),
  goal: z.object({ kind: z.enum(['min', 'max']), value: z.number() }).optional(),
  better: z.enum(['higher', 'lower']).optional(),
});
const resultsSchema = z.object({
  date: z.string(),
  quick: z.boolean(),
  machine: z.object({ cores: z.number(), cpu: z.string().optional(), memoryGiB: z.number(), node: z.string() }),
  figures: z.array(figureSchema),
});
export type Results = z.infer<typeof resultsSchema>;

export function writeResults(path: string, figures: Figure[], quick: boolean): void {
  mkdirSync(dirname(path), { recursive: true });
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), quick, machine, figures }, null, 2)}\n`);
}

/** An earlier results file, checked: a file that is not one says which field is wrong. */
export function readResults(path: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`${path}: cannot read it as JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: not a results file of npm run bench: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A figure is worse than before by more than this share: a regression. */
export const REGRESSION = 0.1;

/** Which way a figure is better: said, or its goal's or the plan's kind, else its unit (times and sizes lower). */
function better(figure: Figure): 'higher' | 'lower' {
  if (figure.better) return figure.better;
  const kind = figure.goal?.kind ?? figure.plan?.kind;
  if (kind) return kind === 'min' ? 'higher' : 'lower';
  return /^(ms|s|us|MB|MiB|KB|bytes|clients|%CPU)$/.test(figure.unit) ? 'lower' : 'higher';
}

export interface Change {
  figure: Figure;
  before: number;
  /** Relative change in the figure's better direction: +0.2 is 20 % better, -0.2 20 % worse. */
  gain: number;
  regression: boolean;
}

/** Figures of this run against the same figures (suite and name) of an earlier one. */
export function compare(figures: Figure[], earlier: Results): Change[] {
  const before = new Map(earlier.figures.map((f) => [`${f.suite}\u0000${f.name}`, f.value]));
  return figures.flatMap((figure) => {
    const old = before.get(`${figure.suite}\u0000${figure.name}`);
    if (old === undefined) return [];
    const ratio = old === 0 ? (figure.value === 0 ? 0 : Infinity) : (figure.value - old) / Math.abs(old);
    const gain = better(figure) === 'higher' ? ratio : -ratio;
    return [{ figure, before: old, gain, regression: gain < -REGRESSION }];
  });
}

export function formatComparison(changes: Change[], earlier: Results): string {
  const head = `Compared with ${earlier.date}${earlier.quick ? ' (--quick)' : ''} (${earlier.machine.cores} cores, Node ${earlier.machine.node}):`;
  const rows = changes.map((c) => [
    c.figure.suite,
    c.figure.name,
    `${formatNumber(c.before)} ${c.figure.unit}`,
    `${formatNumber(c.figure.value)} ${c.figure.unit}`,
    `${c.gain >= 0 ? '+' : ''}${Number.isFinite(c.gain) ? (100 * c.gain).toFixed(1) : 'inf'} %`,
    c.regression ? 'REGRESSION' : '',
  ]);
  const regressions = changes.filter((c) => c.regression).length;
  const tail = regressions === 0 ? `No figure is more than ${100 * REGRESSION} % worse.` : `${regressions} figure(s) more than ${100 * REGRESSION} % worse.`;
  return `${head}\n\n${table(['suite', 'figure', 'before', 'now', 'better by', ''], rows)}\n\n${tail}`;
}
