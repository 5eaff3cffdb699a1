#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
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
  .description('run the platform on embedded defaults (for now: the actor runtime with a demo)')
  .option('--pulse-ms <ms>', 'demo pulse interval', positiveNumber('--pulse-ms'), 100)
  .option('--summary-ms <ms>', 'interval between summary lines', positiveNumber('--summary-ms'), 5_000)
  .option('--duration <seconds>', 'stop by itself after this long', positiveNumber('--duration'))
  .action(async (options: { pulseMs: number; summaryMs: number; duration?: number }) => {
    await start({
      pulseMs: options.pulseMs,
      summaryMs: options.summaryMs,
      version,
      ...(options.duration !== undefined ? { durationS: options.duration } : {}),
    });
  });

await program.parseAsync();
