import { Command } from 'commander';
import { formatTable, writeResults, type Figure } from './report.js';
import { aiSuite } from './ai.js';
import { apiSuite } from './api.js';
import { exchangesSuite } from './exchanges.js';
import { migrateSuite } from './migrate.js';
import { persistenceSuite } from './persistence.js';
import { pipelineSuite } from './pipeline.js';
import { runtimeSuite, type SuiteOptions } from './runtime.js';

/** `npm run bench [-- NAME...] [--quick]`: runs the suites and prints one table. */
const suites: Record<string, (options: SuiteOptions) => Promise<Figure[]>> = {
  runtime: runtimeSuite,
  pipeline: pipelineSuite,
  persistence: persistenceSuite,
  exchanges: exchangesSuite,
  api: apiSuite,
  ai: aiSuite,
  migrate: migrateSuite,
};

const program = new Command('bench')
  .argument('[suites...]', `suites to run: ${Object.keys(suites).join(', ')} (default: all)`)
  .option('--quick', 'run each figure for a short time (CI smoke)', false)
  .option('--out <file>', 'results file', new URL('./results/latest.json', import.meta.url.replace('/dist/bench/', '/bench/')).pathname)
  .action(async (names: string[], options: { quick: boolean; out: string }) => {
    const unknown = names.filter((name) => !(name in suites));
    if (unknown.length > 0) program.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
    const figures: Figure[] = [];
    for (const name of names.length > 0 ? names : Object.keys(suites)) {
      figures.push(...(await suites[name]!({ quick: options.quick, progress: (line) => process.stderr.write(`  ... ${line}\n`) })));
    }
    process.stdout.write(`\n${formatTable(figures)}\n\n`);
    writeResults(options.out, figures, options.quick);
    process.stdout.write(`results written to ${options.out}\n`);
  });

await program.parseAsync();
