import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { botv3 as cli, CLI_TEST, exitOf, spawnBotv3 } from '../../helpers/cli.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { rowsOf } from '../../helpers/migration.js';
import { freshV2Database, runSql, V2_CONFIG_DIR } from '../../helpers/v2-database.js';

const env = async () => ({ ...process.env, DATABASE_URL: '', V2_DATABASE_URL: '', BOTV3_DATA_DIR: await mkdtemp(join(tmpdir(), 'botv3-data-')) });
const botv3 = async (...args: string[]) => cli(['migrate', ...args], { env: await env() });

const open: TestDatabaseServer[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});
async function databases(scale?: number) {
  const v2 = await freshV2Database(scale);
  const v3 = await freshDatabaseServer();
  open.push(v3, v2);
  return { v2, v3 };
}

describe('botv3 migrate', CLI_TEST, () => {
  test('run killed with SIGKILL half-way, then run again: validate passes with every row once', async () => {
    const { v2, v3 } = await databases(1_500);
    const child = spawnBotv3(['migrate', 'run', '--from', v2.url, '--to', v3.url, '--chunk-rows', '500'], { env: await env() });
    // Progress goes to stderr a line per committed chunk: kill once some chunks are in, mid-table.
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/signals: [\d,]+\/3,000 rows \(\d+ %\), [\d,]+ rows\/s/.test(seen) || /orders: 1,000\/1,500/.test(seen)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the run ended before it could be killed:\n${seen}`)));
    });
    await new Promise((resolve) => child.once('close', resolve));
    const [partial] = await rowsOf<{ orders: string; signals: string; runs: string }>(
      v3.url,
      `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM signals) AS signals, (SELECT string_agg(status, ',') FROM migration_runs) AS runs`,
    );
    expect(partial!.runs).toBe('running');
    expect(Number(partial!.orders) + Number(partial!.signals)).toBeLessThan(4_500);

    const { stdout } = await botv3('run', '--from', v2.url, '--to', v3.url, '--chunk-rows', '500');
    expect(stdout).toMatch(/^Run 2: [\d,]+ rows in [\d.]+ s \([\d,]+ rows\/s\); [\d,]+ rows were done by earlier runs$/m);
    const report = join(await mkdtemp(join(tmpdir(), 'botv3-report-')), 'MIGRATION_REPORT.md');
    const validated = await botv3('validate', '--from', v2.url, '--to', v3.url, '--report', report);
    expect(validated.stdout).toMatch(/^PASS {2}rows of orders +v2 1500 {2}v3 1500$/m);
    expect(validated.stdout).toMatch(/All \d+ checks pass; report written to/);
    const text = await readFile(report, 'utf8');
    expect(text).toMatch(/- Result: \*\*PASS\*\*, all \d+ checks/);
    expect(text).toMatch(/\| 1 \| failed \| .* \| .* \| [\d,]+ \| 0 \|\n\| 2 \| done \|/);
    const [counts] = await rowsOf<{ n: string; d: string }>(v3.url, `SELECT count(*) AS n, count(DISTINCT original_id) AS d FROM signals`);
    expect(counts).toEqual({ n: '3000', d: '3000' });
  });

  test('analyze reports odd values and what becomes of them; validate exits 1 on a mismatch; rollback undoes', async () => {
    const { v2, v3 } = await databases(100);
    await runSql(v2.url, `INSERT INTO orders (exchange, symbol, side, type, price, quantity, status, created_at) VALUES ('binance', 'BTCUSDT', 'buy', 'LIMIT', 100, 1, 'open', '2024-01-01'), ('binance', 'BTCUSDT', 'buy', 'iceberg', 100, 1, 'open', '2024-01-01')`);
    const analysis = await botv3('analyze', '--from', v2.url);
    expect(analysis.stdout).toMatch(/^orders +102 {2}as expected$/m);
    expect(analysis.stdout).toContain('  orders.type "LIMIT": 1 row(s), migrated as LIMIT');
    expect(analysis.stdout).toContain('  orders.type "iceberg": 1 row(s), quarantined: type "iceberg" is not one of market, limit, stop');
    expect(analysis.stdout).toMatch(/^Ready to migrate\.$/m);

    const dry = await botv3('run', '--dry-run', '--from', v2.url, '--to', v3.url);
    expect(dry.stdout).toMatch(/^orders {15}101 {12}1 +2 +102/m);
    expect(dry.stdout).toContain('Dry run: nothing written.');
    expect(await rowsOf(v3.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).toEqual([]);

    await botv3('run', '--from', v2.url, '--to', v3.url);
    await runSql(v3.url, `DELETE FROM signals WHERE original_id = 7`);
    const report = join(await mkdtemp(join(tmpdir(), 'botv3-report-')), 'report.md');
    const bad = await exitOf(botv3('validate', '--from', v2.url, '--to', v3.url, '--report', report));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}v2 signals with no v3 row by original_id +v2 200 {2}v3 199 {2}1 missing, 0 extra: v2 signals 7 has no v3 row$/m);
    expect(await readFile(report, 'utf8')).toMatch(/\| rows of signals \| 200 \| 199 \| 0 \| \*\*FAIL\*\* \|/);

    const undone = await botv3('rollback', '--to', v3.url);
    expect(undone.stdout).toMatch(/^Rolled back run\(s\) 1 in /m);
    expect(undone.stdout).toMatch(/^ {2}orders +101 rows removed$/m);
    expect(undone.stdout).toContain('trader default_trader removed');
  });

  test("run --config adds the traders carrying v2's open positions to the migrated botv3.yaml, which check accepts", async () => {
    const { v2, v3 } = await databases(100);
    const out = join(await mkdtemp(join(tmpdir(), 'botv3-config-')), 'v3');
    await botv3('config', '--from', V2_CONFIG_DIR, '--out', out, '--paper');
    const config = join(out, 'botv3.yaml');
    const before = await readFile(config, 'utf8');
    // Scale 100 leaves one position open: a short of BTC on bybit.
    const { stdout } = await botv3('run', '--from', v2.url, '--to', v3.url, '--config', config);
    expect(stdout).toContain("Open positions: 1 v2 row(s) carried this run; 1 trader(s) carry v2's open positions.");
    expect(stdout).toContain(`  ${config}: trader v2-bybit added on paper: BTC/USDT:USDT`);
    const after = await readFile(config, 'utf8');
    expect(after.startsWith(before.trimEnd().split('\n').slice(0, 3).join('\n'))).toBe(true);
    expect(after).toContain('  - id: v2-bybit\n    exchange: paper\n    symbols: [ BTC/USDT:USDT ]\n    allowShort: true\n');
    expect((await cli(['check', config], { env: await env() })).stdout).toMatch(/v2-bybit/);
  });

  test('analyze refuses a v2 that lacks what the migration reads; run too, naming it', async () => {
    const { v2, v3 } = await databases();
    await runSql(v2.url, `ALTER TABLE trades DROP COLUMN fee; DROP TABLE positions`);
    const analysis = await exitOf(botv3('analyze', '--from', v2.url));
    expect(analysis.code).toBe(1);
    expect(analysis.stdout).toMatch(/^positions +0 {2}MISSING$/m);
    expect(analysis.stdout).toContain('Cannot migrate: trades lacks column(s) fee; table positions is missing.');
    const run = await exitOf(botv3('run', '--from', v2.url, '--to', v3.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^botv3: v2 at postgres:\/\/.* cannot be migrated: trades lacks column\(s\) fee; table positions is missing \(see botv3 migrate analyze\)\n$/);
  });

  test('config writes v3 files and prints no secret; api-map and a missing --from', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'botv3-config-')), 'v3');
    const { stdout } = await botv3('config', '--from', V2_CONFIG_DIR, '--out', out);
    expect(stdout).toContain('CLAUDE_API_KEY -> ANTHROPIC_API_KEY');
    expect(stdout).toMatch(/wrote .*botv3\.yaml/);
    for (const secret of ['change-me', 'binance-secret-placeholder', 'claude-key-placeholder', 'AAH-placeholder-token']) expect(stdout).not.toContain(secret);
    expect(await readFile(join(out, '.env'), 'utf8')).toContain('ANTHROPIC_API_KEY=');

    expect((await botv3('api-map', '--nginx')).stdout).toContain('rewrite ^\\/api\\/status$ /api/v1/system/status permanent;');
    const missing = await exitOf(botv3('analyze'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^botv3: --from: give the v2 database URL \(or set V2_DATABASE_URL\)/);
  });
});
