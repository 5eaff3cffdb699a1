import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { botv3, CLI_TEST } from '../../helpers/cli.js';

/** Each run keeps its embedded database in a folder of its own, never in the checkout's ./data. */
const dataEnv = async () => ({ env: { ...process.env, DATABASE_URL: '', BOTV3_DATA_DIR: await mkdtemp(join(tmpdir(), 'botv3-data-')) } });
/** The built CLI (test/helpers/cli.ts), as `npm start` runs it. */
const cli = async (...args: string[]) => botv3(args, await dataEnv());

async function configFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'botv3-cli-')), 'platform.yaml');
  await writeFile(file, text);
  return file;
}

describe('botv3 alerts export', CLI_TEST, () => {
  test('writes the default rules as Prometheus alerting rules', async () => {
    const { stdout } = await cli('alerts', 'export');
    expect(stdout).toMatch(/^groups:\n  - name: botv3\n    rules:\n      - alert: high_error_rate\n/);
    expect(stdout).toContain('expr: botv3_database_connections == 0');
    expect(stdout).toContain('expr: min(botv3_exchange_up) == 0');
    expect(stdout).toMatch(/alert: low_signal_rate\n        expr: sum\(rate\(botv3_signals_total\[1m\]\)\) < 500\n        for: 10m/);
  });

  test('names the rule and the field of a broken rule file', async () => {
    const rules = await configFile('rules:\n  - name: ok\n    condition: signal_rate < 5\n    action: page_oncall\n  - name: broken\n    condition: signal_rate <<< 5\n    action: page_oncall\n');
    const failure = await cli('alerts', 'export', '--rules', rules).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/^botv3: rules\[1\]\.condition: rule "broken": "signal_rate <<< 5" is not a condition such as error_rate > 0\.01 \(in .*platform\.yaml\)\n$/);
  });
});

/** `botv3 start` must boot the platform's worker actors from the tsup build (the in-process tests boot them from the sources, through tsx). */
describe('botv3 start', CLI_TEST, () => {
  const expectDemoRun = (stdout: string) => {
    expect(stdout).toMatch(/^BOT Trading v3 \d+\.\d+\.\d+\S*$/m);
    expect(stdout).toContain('Config: demo traders (no --config given)');
    expect(stdout).toMatch(/^Database: embedded \(PGlite in .*botv3-data-.*pglite\)$/m);
    expect(stdout).toMatch(/^Traders: sma-btc \(sma_crossover on BTC\/USDT\), rsi-eth .*breakout-xrp/m);
    // The summary lines report the traders' signals; the demo market is fast enough to produce some in 2 s.
    const counts = [...stdout.matchAll(/signals (\d+)/g)].map((m) => Number(m[1]));
    expect(counts.at(-1)).toBeGreaterThan(0);
    expect(stdout).toMatch(/^ {2}grid-sol +\w+ +equity +\d+/m);
    expect(stdout).toMatch(/Stopped\. Mailboxes drained: true\.$/m);
    expect(stdout).toMatch(/^Reviewer: offline \(rules for risk and market, no API key\)$/m);
    expect(stdout).toMatch(/^Telegram: off \(set TELEGRAM_BOT_TOKEN and telegram\.chatIds\)$/m);
    expect(stdout).toMatch(/^Alerts: 4 rules from the default rules, every 5 s/m);
    expect(stdout).toMatch(/^API: http:\/\/127\.0\.0\.1:\d+\/api\/v1 \(stream ws:\/\/127\.0\.0\.1:\d+\/ws\/v1\/stream, metrics http:\/\/127\.0\.0\.1:\d+\/metrics\)$/m);
    expect(stdout).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(API reference http:\/\/127\.0\.0\.1:\d+\/docs\)$/m);
    // A first start prints its admin token once.
    expect(stdout).toMatch(/^API token \(admin, shown once; stored hashed in .*api-tokens\.json\): bv3_[0-9a-f]{12}_\S{43}$/m);
  };

  test('runs the demo traders from a tsup build', async () => {
    const { stdout } = await cli('start', '--port', '0', '--duration', '2', '--summary-ms', '500');
    expectDemoRun(stdout);
  });

  test('runs the traders of a YAML config file', async () => {
    const file = await configFile(
      ['exchanges:', '  paper: { type: paper, seed: 3, candleIntervalMs: 20 }', 'traders:', '  - id: solo', '    strategy: { strategy_name: rsi_solo, pairs: [ETHUSDT], interval: 1m }', ''].join('\n'),
    );
    const { stdout } = await cli('start', '--config', file, '--port', '0', '--duration', '1');
    expect(stdout).toContain(`Config: ${file}`);
    expect(stdout).toContain('Traders: solo (rsi_reversion on ETH/USDT)');
    expect(stdout).toMatch(/^ {2}solo /m);
  });

  test('rejects a bad option with a message naming it', async () => {
    await expect(cli('start', '--summary-ms', 'fast')).rejects.toMatchObject({
      stderr: expect.stringContaining('--summary-ms must be a positive number, got "fast"'),
    });
  });
});

describe('botv3 check', CLI_TEST, () => {
  test('accepts a valid config and lists its traders', async () => {
    const file = await configFile('traders:\n  - id: a\n    symbols: [ETH/USDT]\n  - id: b\n    strategy: { name: breakout, symbols: [BTC/USDT] }\n');
    const { stdout } = await cli('check', file);
    expect(stdout).toBe(`${file}: valid, 2 trader(s): a, b\n`);
  });

  test('names the bad field of an invalid config and exits with 2', async () => {
    const file = await configFile('traders:\n  - id: a\n    strategy: { name: sma_crossover, symbols: [BTC/USDT], params: { fast: 30, slow: 10 } }\n');
    const failure = cli('check', file);
    await expect(failure).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^botv3: traders\[0\]\.strategy\.params\.\w+: .+\(in .*platform\.yaml\)\n$/) });
  });

  test('reports a file that is not YAML', async () => {
    const file = await configFile('traders: [\n');
    await expect(cli('check', file)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('is not valid YAML or JSON') });
  });
});

describe('botv3 api-map and tokens', CLI_TEST, () => {
  test('prints the v2 endpoint map, and as nginx rewrites', async () => {
    const { stdout: table } = await cli('api-map');
    expect(table).toMatch(/^\/api\/status +\/api\/v1\/system\/status$/m);
    expect(table).toMatch(/^\/ws +\/ws\/v1\/stream$/m);
    const { stdout: nginx } = await cli('api-map', '--nginx');
    expect(nginx).toContain('rewrite ^\\/api\\/balance$ /api/v1/accounts/balance permanent;');
    expect(nginx.split('\n').filter((l) => l.startsWith('rewrite'))).toHaveLength(7);
  });

  test('creates, lists and revokes tokens in the data directory', async () => {
    const env = await dataEnv();
    const cli = (...args: string[]) => botv3(args, env);
    const { stdout: created } = await cli('tokens', 'create', '--scopes', 'read,trade', '--name', 'desk');
    const [token, info] = created.trim().split('\n');
    expect(token).toMatch(/^bv3_[0-9a-f]{12}_/);
    const id = /id ([0-9a-f]{12})/.exec(info!)![1]!;
    const { stdout: listed } = await cli('tokens', 'list');
    expect(listed).toMatch(new RegExp(`^${id}  read,trade +\\S+  desk$`, 'm'));
    expect(listed).not.toContain(token);
    await expect(cli('tokens', 'create', '--scopes', 'root')).rejects.toMatchObject({ stderr: expect.stringContaining('unknown scope(s) root') });
    expect((await cli('tokens', 'revoke', id)).stdout).toContain(`revoked ${id}`);
    expect((await cli('tokens', 'list')).stdout).toBe('');
  });
});
