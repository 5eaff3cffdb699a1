#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { TradingError } from '../../actors/trading/errors.js';
import { DatabaseError } from '../database/errors.js';
import { loadConfig } from '../config/load.js';
import { dbMigrate, dbStatus } from './db.js';
import { start } from './start.js';

// dist/ adds one level above the source tree.
const packageJson = new URL(import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json', import.meta.url);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

const program = new Command('botv3').description('BOT Trading v3').version(version);

program
  .command('start')
  .description('run the traders of a config file (default: demo traders) on the paper exchange')
  .option('-c, --config <file>', 'platform config, YAML or JSON')
  .option('--summary-ms <ms>', 'interval between summaries', positiveNumber('--summary-ms'), 5_000)
  .option('--duration <seconds>', 'stop by itself after this long', positiveNumber('--duration'))
  .option('--events', 'print every event as a JSON line once it is stored')
  .action(async (options: { config?: string; summaryMs: number; duration?: number; events?: boolean }) => {
    await start({
      summaryMs: options.summaryMs,
      version,
      events: options.events === true,
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.duration !== undefined ? { durationS: options.duration } : {}),
    });
  });

program
  .command('check')
  .description('validate a platform config file and print its traders')
  .argument('<file>', 'platform config, YAML or JSON')
  .action((file: string) => {
    const config = loadConfig(file);
    process.stdout.write(`${file}: valid, ${config.traders.length} trader(s): ${config.traders.map((t) => t.id).join(', ')}\n`);
  });

const db = program.command('db').description('the database: DATABASE_URL, or the embedded PostgreSQL in $BOTV3_DATA_DIR/pglite (default ./data/pglite)');
const print = (line: string) => process.stdout.write(`${line}\n`);
db.command('status').description('list applied and pending schema migrations').action(() => dbStatus(print));
db.command('migrate').description('apply pending schema migrations').action(() => dbMigrate(print));

try {
  await program.parseAsync();
} catch (error) {
  // A config or database mistake is the user's to fix: say what, without a stack trace.
  if (!(error instanceof TradingError) && !(error instanceof DatabaseError)) throw error;
  process.stderr.write(`botv3: ${error.message}\n`);
  process.exitCode = 2;
}
