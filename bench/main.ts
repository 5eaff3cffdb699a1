import { Command } from 'commander';
import { compare, formatComparison, formatTable, readResults, writeResults, type Figure } from './report.js';
import { aiSuite } from './ai.js';
import { apiSuite } from './api.js';
import { backtestSuite } from './backtest.js';
import { baselineSuite } from './baseline.js';
import { clusterSuite } from './cluster.js';
import { dashboardSuite } from './dashboard.js';
import { exchangesSuite } from './exchanges.js';
import { fleetSuite } from './fleet.js';
import { memorySuite } from './memory.js';
import { migrateSuite } from './migrate.js';
import { persistenceSuite } from './persistence.js';
import { pipelineSuite } from './pipeline.js';
import { runtimeSuite, type SuiteOptions } from './runtime.js';
import { scalingSuite } from './scaling.js';

/** `npm run bench [-- NAME...] [--quick] [--compare FILE]`: runs the suites and prints one table. */
const suites: Record<string, (options: SuiteOptions) => Promise<Figure[]>> = {
  runtime: runtimeSuite,
  pipeline: pipelineSuite,
  baseline: baselineSuite,
  scaling: scalingSuite,
  memory: memorySuite,
  fleet: fleetSuite,
  persistence: persistenceSuite,
  exchanges: exchangesSuite,
  api: apiSuite,
  ai: aiSuite,
  migrate: migrateSuite,
  backtest: backtestSuite,
  dashboard: dashboardSuite,
  cluster: clusterSuite,
};

const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

const program = new Command('bench')
  .argument('[suites...]', `suites to run: ${Object.keys(suites).join(', ')} (default: all)`)
  .option('--quick', 'run each figure for a short time (CI smoke)', false)
  .option('--out <file>', 'results file', new URL('./results/latest.json', import.meta.url.replace('/dist/bench/', '/bench/')).pathname)
  .option('--compare <file>', 'an earlier results file: show each figure against it and flag those more than 10 % worse (exit status 1)')
  .action(async (names: string[], options: { quick: boolean; out: string; compare?: string }) => {
    const unknown = names.filter((name) => !(name in suites));
    if (unknown.length > 0) program.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
    // Read first: a bad file is refused before minutes of measuring.
    const earlier = options.compare ? readResults(options.compare) : undefined;
    const chosen = names.length > 0 ? names : Object.keys(suites);
    const started = performance.now();
    const figures: Figure[] = [];
    for (const [i, name] of chosen.entries()) {
      const progress = (line: string) => process.stderr.write(`[${i + 1}/${chosen.length} ${name} ${clock(performance.now() - started)}] ${line}\n`);
      const measured = await suites[name]!({ quick: options.quick, progress });
      progress(`${measured.length} figure(s)`);
      figures.push(...measured);
    }
    process.stdout.write(`\n${formatTable(figures)}\n\n`);
    writeResults(options.out, figures, options.quick);
    process.stdout.write(`results written to ${options.out}\n`);
    if (earlier) {
      const changes = compare(figures, earlier);
      process.stdout.write(`\n${formatComparison(changes, earlier)}\n`);
      if (changes.some((c) => c.regression)) process.exitCode = 1;
    }
  });

await program.parseAsync();
