import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compare, formatComparison, formatTable, readResults, writeResults, type Figure } from '../../bench/report.js';

const figures: Figure[] = [
  { suite: 'pipeline', name: 'signals/s, 1 trader', value: 20_000, unit: 'signals/s', plan: { kind: 'min', value: 1_000 }, goal: { kind: 'min', value: 1_000_000 } },
  { suite: 'api', name: 'health p99', value: 4.2, unit: 'ms', plan: { kind: 'max', value: 50 }, goal: { kind: 'max', value: 5 } },
  { suite: 'memory', name: 'RSS per trader worker', value: 30, unit: 'MB' },
  { suite: 'baseline', name: 'v3 / v2 signals/s', value: 3.1, unit: 'x' },
];

describe('the bench report', () => {
  test('shows each figure against the plan and v3 goal, passed or missed', () => {
    const lines = formatTable(figures).split('\n');
    expect(lines[0]).toMatch(/^suite +figure +measured +plan +v3 goal$/);
    expect(lines[2]).toMatch(/^pipeline +signals\/s, 1 trader +20,000 signals\/s +>= 1,000 +pass +>= 1,000,000 +MISS$/);
    expect(lines[3]).toMatch(/^api +health p99 +4\.20 ms +<= 50\.0 +pass +<= 5\.00 +pass$/);
    expect(lines[4]).toMatch(/^memory +RSS per trader worker +30\.0 MB +- +-$/);
  });

  test('compares with an earlier file, flagging what is more than 10 % worse in its own direction', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'botv3-bench-')), 'before.json');
    writeResults(path, [
      { ...figures[0]!, value: 25_000 },
      { ...figures[1]!, value: 4.0 },
      { ...figures[2]!, value: 25 },
      { ...figures[3]!, value: 3.0 },
      { suite: 'gone', name: 'a figure no longer measured', value: 1, unit: 'x' },
    ], false);
    const earlier = readResults(path);
    const changes = compare(figures, earlier);
    expect(changes.map((c) => [c.figure.name, Number(c.gain.toFixed(3)), c.regression])).toEqual([
      ['signals/s, 1 trader', -0.2, true],
      ['health p99', -0.05, false],
      ['RSS per trader worker', -0.2, true],
      ['v3 / v2 signals/s', 0.033, false],
    ]);
    const text = formatComparison(changes, earlier);
    expect(text).toMatch(/^pipeline +signals\/s, 1 trader +25,000 signals\/s +20,000 signals\/s +-20\.0 % +REGRESSION$/m);
    expect(text).toMatch(/2 figure\(s\) more than 10 % worse\.$/);
  });

  test('an earlier file that is not a results file is refused, naming the field', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'botv3-bench-')), 'bad.json');
    await writeFile(path, JSON.stringify({ date: 'x', quick: false, machine: { cores: 2, memoryGiB: 24, node: 'v20' }, figures: [{ suite: 'a', name: 'b', value: '1', unit: 'x' }] }));
    expect(() => readResults(path)).toThrow(/bad\.json: not a results file of npm run bench: figures\.0\.value: /);
    await writeFile(path, '{');
    expect(() => readResults(path)).toThrow(/bad\.json: cannot read it as JSON/);
  });
});
