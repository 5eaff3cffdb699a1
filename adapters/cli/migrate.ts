import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Connection } from '../../migrate/connect.js';
import type { CarryOutcome } from '../../migrate/data/open-positions.js';
import type { MigrationOutcome } from '../../migrate/data/run.js';
import { MigrationError } from '../../migrate/errors.js';
import { embeddedDataDir } from './data-dir.js';

// Each command imports what it runs when it runs (database clients, the migration's modules): every
// other command, and `--help`, starts without loading them.
const connect = () => import('../../migrate/connect.js');

const print = (line: string) => process.stdout.write(`${line}\n`);
const n = (value: number) => value.toLocaleString('en-US');

/** The v2 database: `--from`, else `V2_DATABASE_URL` (which `migrate config` writes). */
function v2Url(from: string | undefined): string {
  const url = from ?? process.env.V2_DATABASE_URL;
  if (!url) throw new MigrationError('ERR_MIGRATION_SOURCE', '--from: give the v2 database URL (or set V2_DATABASE_URL), e.g. postgres://postgres@localhost:5432/bot_trading_v2');
  return url;
}

/** The v3 database: `--to`, else `DATABASE_URL`, else the embedded one in the data directory. */
const v3Url = (to: string | undefined) => to ?? process.env.DATABASE_URL;

async function using<T>(open: Promise<Connection>, work: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await open;
  try {
    return await work(conn);
  } finally {
    await conn.close();
  }
}

function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function summary(outcome: MigrationOutcome, dryRun: boolean): string[] {
  const lines = ['', `table      ${dryRun ? 'would migrate' : '     migrated'}  quarantined  noted   v2 rows   seconds`];
  for (const t of outcome.tables) {
    lines.push(`${t.table.padEnd(9)}  ${n(t.migrated).padStart(13)}  ${n(t.quarantined).padStart(11)}  ${n(t.noted).padStart(5)}  ${n(t.total).padStart(8)}  ${t.seconds.toFixed(1).padStart(8)}`);
    for (const [field, r] of Object.entries(t.reasons)) lines.push(`    quarantined on ${field}: ${n(r.rows)} row(s), e.g. ${r.example}`);
  }
  const rows = outcome.tables.reduce((sum, t) => sum + t.migrated + t.quarantined, 0);
  const before = outcome.tables.reduce((sum, t) => sum + t.before, 0);
  lines.push(
    '',
    `${dryRun ? 'Dry run: nothing written. ' : `Run ${outcome.runId}: `}${n(rows)} rows in ${outcome.seconds.toFixed(1)} s (${n(Math.round(rows / Math.max(outcome.seconds, 1e-3)))} rows/s)` +
      (before > 0 ? `; ${n(before)} rows were done by earlier runs` : '') +
      (outcome.createdTrader ? '; created trader default_trader' : ''),
  );
  return lines;
}

/**
 * What `migrate run` did with v2's open positions, and the traders that carry them: added to the
 * migrated config with `--config`, else printed as the YAML to add.
 */
async function carriedLines(carried: CarryOutcome, config: string | undefined): Promise<string[]> {
  const lines = ['', `Open positions: ${n(carried.rows)} v2 row(s) carried this run; ${carried.carriers.length} trader(s) carry v2's open positions.`];
  if (carried.carriers.length === 0) return lines;
  if (config === undefined) {
    lines.push('Add them to botv3.yaml (or run again with --config botv3.yaml):', '  traders:');
    for (const c of carried.carriers) lines.push(`    - { id: ${c.traderId}, exchange: ${c.exchange}, account: default, symbols: [${c.symbols.join(', ')}], allowShort: true }`);
    return lines;
  }
  const { addCarriers } = await import('../../migrate/config/carriers.js');
  const { yaml, lines: changed } = addCarriers(readFileSync(config, 'utf8'), config, carried.carriers);
  writeFileSync(config, yaml);
  return [...lines, ...changed.map((line) => `  ${config}: ${line}`)];
}

/** `api-map [--nginx]`, under `botv3` and under `botv3 migrate`. */
export function apiMapCommand(parent: Command): void {
  parent
    .command('api-map')
    .description("v2's API endpoints and their v3 homes (v3 answers the old paths with a 308 redirect)")
    .option('--nginx', 'print them as nginx rewrite rules')
    .action(async (options: { nginx?: boolean }) => {
      const { endpointTable, nginxRewrites } = await import('../api/v2-map.js');
      process.stdout.write(options.nginx ? nginxRewrites() : endpointTable());
    });
}

/** `botv3 migrate ...`: the v2 to v3 migration (see `migrate/`). */
export function migrateCommands(program: Command): void {
  const migrate = program.command('migrate').description('move a BOT Trading v2 installation to v3: its data, config and API');
  const from = ['--from <url>', 'the v2 database (default: $V2_DATABASE_URL)'] as const;
  const to = ['--to <url>', 'the v3 database (default: $DATABASE_URL, else the embedded one in $BOTV3_DATA_DIR/pglite)'] as const;

  migrate
    .command('analyze')
    .description("check v2's schema and data: tables, rows, values outside its enumerations, NULLs, an estimated duration")
    .option(...from)
    .action(async (options: { from?: string }) => {
      const [{ openSource }, { analyzeV2, formatAnalysis }] = await Promise.all([connect(), import('../../migrate/analyze.js')]);
      await using(openSource(v2Url(options.from)), async (source) => {
        const analysis = await analyzeV2(source);
        process.stdout.write(formatAnalysis(analysis, source.where));
        if (analysis.problems.length > 0) process.exitCode = 1;
      });
    });

  migrate
    .command('backup')
    .description('a restorable backup of v2: pg_dump custom format when pg_dump can, else COPY per table with a manifest of row counts and checksums')
    .option(...from)
    .requiredOption('--out <dir>', 'the backup directory')
    .option('--format <format>', 'auto, pg_dump or copy', 'auto')
    .action(async (options: { from?: string; out: string; format: 'auto' | 'pg_dump' | 'copy' }) => {
      if (!['auto', 'pg_dump', 'copy'].includes(options.format)) throw new InvalidArgumentError(`--format must be auto, pg_dump or copy, got "${options.format}"`);
      const { backupV2 } = await import('../../migrate/backup/backup.js');
      const result = await backupV2({ from: v2Url(options.from), out: options.out, format: options.format });
      for (const t of result.manifest.tables) print(`${t.name.padEnd(9)}  ${n(t.rows).padStart(10)} rows`);
      print(`Backed up to ${result.dir} (${result.format}: ${result.reason}) in ${(result.durationMs / 1000).toFixed(1)} s.`);
    });

  migrate
    .command('restore')
    .description('restore a backup made by `migrate backup` into a database (v2 again, for a rollback)')
    .requiredOption('--from <dir>', 'the backup directory')
    .requiredOption('--to <url>', 'the database to restore into')
    .option('--clean', "replace v2's tables where they exist", false)
    .action(async (options: { from: string; to: string; clean: boolean }) => {
      const { restoreV2 } = await import('../../migrate/backup/restore.js');
      const result = await restoreV2({ from: options.from, to: options.to, clean: options.clean });
      for (const t of result.tables) print(`${t.name.padEnd(9)}  ${n(t.rows).padStart(10)} rows`);
      print(`Restored into ${result.target} (${result.format}) in ${(result.durationMs / 1000).toFixed(1)} s; row counts match the backup.`);
    });

  migrate
    .command('run')
    .description("apply v3's schema, then stream v2's tables into it with COPY; resumable, idempotent, and v2 is only read")
    .option(...from)
    .option(...to)
    .option('--dry-run', 'read and convert every row, report what would be migrated and quarantined, write nothing', false)
    .option('--chunk-rows <n>', 'rows per committed chunk', positiveInteger('--chunk-rows'), 50_000)
    .option('--config <file>', "the migrated botv3.yaml: the traders carrying v2's open positions are added to it")
    .action(async (options: { from?: string; to?: string; dryRun: boolean; chunkRows: number; config?: string }) => {
      const [{ openLanes }, { readSchema }, { progressDisplay }, { runMigration }] = await Promise.all([
        connect(),
        import('../../migrate/analyze.js'),
        import('./progress.js'),
        import('../../migrate/data/run.js'),
      ]);
      const connections = await openLanes(v2Url(options.from), v3Url(options.to), { dryRun: options.dryRun, dataDir: embeddedDataDir() });
      const display = progressDisplay('rows');
      try {
        const [first] = connections.lanes;
        const { problems } = await readSchema(first.source);
        if (problems.length > 0) throw new MigrationError('ERR_V2_SCHEMA', `v2 at ${first.source.where} cannot be migrated: ${problems.join('; ')} (see botv3 migrate analyze)`);
        print(`From ${first.source.where} to ${first.target?.where ?? '(dry run: nowhere)'}`);
        const outcome = await runMigration({ lanes: connections.lanes, chunkRows: options.chunkRows, onProgress: (p) => display.update({ label: p.table, done: p.done, total: p.total }) });
        display.stop();
        for (const line of summary(outcome, options.dryRun)) print(line);
        if (outcome.carried) for (const line of await carriedLines(outcome.carried, options.config)) print(line);
        if (!options.dryRun) print('Next: botv3 migrate validate, which writes MIGRATION_REPORT.md.');
      } finally {
        display.stop();
        await connections.close();
      }
    });

  migrate
    .command('validate')
    .description("the migration plan's checks, v2 against v3; writes MIGRATION_REPORT.md and exits 1 on any mismatch")
    .option(...from)
    .option(...to)
    .option('--report <file>', 'where to write the report', 'MIGRATION_REPORT.md')
    .action(async (options: { from?: string; to?: string; report: string }) => {
      const [{ openSource, openTarget }, { validateMigration }, { findings, migrationReport, migrationRuns }] = await Promise.all([
        connect(),
        import('../../migrate/validate/checks.js'),
        import('../../migrate/validate/report.js'),
      ]);
      await using(openSource(v2Url(options.from)), (source) =>
        using(openTarget(v3Url(options.to), { dataDir: embeddedDataDir() }), async (target) => {
          const validation = await validateMigration(source, target);
          const report = migrationReport({
            source: source.where,
            target: target.where,
            validation,
            runs: await migrationRuns(target),
            quarantine: await findings(target, 'quarantine'),
            notes: await findings(target, 'notes'),
          });
          writeFileSync(options.report, report);
          const width = Math.max(...validation.checks.map((c) => c.name.length));
          for (const c of validation.checks) print(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  v2 ${c.v2}  v3 ${c.v3}${c.quarantined && c.quarantined !== '0' ? ` + quarantined ${c.quarantined}` : ''}${c.ok ? '' : `  ${c.detail ?? ''}`}`);
          const failed = validation.checks.filter((c) => !c.ok).length;
          print(`${failed === 0 ? 'All' : `${failed} of`} ${validation.checks.length} checks ${failed === 0 ? 'pass' : 'failed'}; report written to ${options.report}.`);
          if (failed > 0) process.exitCode = 1;
        }),
      );
    });

  migrate
    .command('rollback')
    .description("remove what migration runs wrote (a run and every later one, or all), leaving v3's own data")
    .option(...to)
    .option('--run <id>', 'roll back this run and the later ones (default: every run)', positiveInteger('--run'))
    .action(async (options: { to?: string; run?: number }) => {
      const [{ openTarget }, { rollbackMigration }] = await Promise.all([connect(), import('../../migrate/data/rollback.js')]);
      await using(openTarget(v3Url(options.to), { dataDir: embeddedDataDir() }), async (target) => {
        const outcome = await rollbackMigration(target, options.run === undefined ? {} : { run: options.run });
        if (outcome.runs.length === 0) return print('No migration run to roll back.');
        print(`Rolled back run(s) ${outcome.runs.join(', ')} in ${target.where}:`);
        for (const [table, rows] of Object.entries(outcome.removed)) print(`  ${table.padEnd(16)} ${n(rows).padStart(10)} rows removed`);
        if (outcome.removedTrader) print('  trader default_trader removed');
      });
    });

  /** A command that reads v2's config directory and writes v3 files: the options they share. */
  const fromV2Config = (name: string, description: string, help: { from: string; out: string }) =>
    migrate
      .command(name)
      .description(description)
      .requiredOption('--from <dir>', help.from)
      .requiredOption('--out <dir>', help.out)
      .option('--paper', 'put every trader on the paper exchange, for a trial', false)
      .option('--force', 'overwrite files already in --out', false);

  fromV2Config('config', "turn v2's config files (.env, strategies.yaml, telegram.yaml, ml_config.json) into v3's; secrets are carried over, never printed", {
    from: "v2's config directory",
    out: 'where to write the v3 files',
  }).action(async (options: { from: string; out: string; paper: boolean; force: boolean }) => {
    const { migrateConfig } = await import('../../migrate/config/convert.js');
    const result = await migrateConfig(options);
    for (const line of result.lines) print(line);
    for (const warning of result.warnings) print(`warning: ${warning}`);
    for (const file of result.files) print(`wrote ${file.path}: ${file.what}`);
  });

  fromV2Config('strategies', 'a v3 trader per v2 strategy: built-ins as config entries, any other as a strategy module to port (botv3 check reports it until it is)', {
    from: "v2's config directory (its strategies.yaml)",
    out: 'where botv3.yaml and strategies/ go',
  }).action(async (options: { from: string; out: string; paper: boolean; force: boolean }) => {
    const { portStrategies } = await import('../../migrate/config/strategy-modules.js');
    const result = await portStrategies(options);
    for (const line of result.lines) print(line);
    for (const file of result.files) print(`wrote ${file.path}: ${file.what}`);
  });

  apiMapCommand(migrate);

  migrate
    .command('verify')
    .description("the plan's post-migration checklist against a running v3: health, status, tables, exchanges, strategies, the stream")
    .requiredOption('--api <url>', 'the v3 API, e.g. http://127.0.0.1:8080')
    .requiredOption('--db <url>', 'the v3 database')
    .option('--token <token>', 'an API token with the read scope (default: $BOTV3_API_TOKEN)')
    .option('--timeout-ms <ms>', 'per check', positiveInteger('--timeout-ms'), 5_000)
    .action(async (options: { api: string; db: string; token?: string; timeoutMs: number }) => {
      const { formatVerifyTable, verifyMigration, verifyPassed } = await import('../../migrate/verify/verify.js');
      const rows = await verifyMigration({ api: options.api, db: options.db, timeoutMs: options.timeoutMs, ...(options.token ? { token: options.token } : {}) });
      process.stdout.write(formatVerifyTable(rows));
      if (!verifyPassed(rows)) process.exitCode = 1;
    });
}
