import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatVerifyTable, targetsOfConfig, targetsOfNames, verifyExchanges } from '../../../adapters/cli/exchanges.js';
import { parseConfig } from '../../../adapters/config/load.js';
import recording from '../../fixtures/exchanges/binance.js';
import { botv3, CLI_TEST } from '../../helpers/cli.js';
import { fakeExchange, type FakeExchange } from '../../helpers/fake-exchange.js';

let server: FakeExchange;
beforeAll(async () => {
  server = await fakeExchange(recording.routes);
});
afterAll(() => server.close());

const env = { BINANCE_API_KEY: recording.credentials.apiKey, BINANCE_API_SECRET: recording.credentials.secret };

test('checks every exchange with keys, and says why one fails', async () => {
  const options = { timeoutMs: 1_000, env };
  const withKeys = targetsOfNames([], { account: 'default', sandbox: false, endpoint: server.origin }, env);
  expect(withKeys.map((t) => t.exchange)).toEqual(['binance']);
  expect(await verifyExchanges(withKeys, options)).toEqual([{ exchange: 'binance', markets: 'ok (1 spot markets)', balance: 'ok (2 assets)', ok: true }]);
  server.inject('GET', 'api.binance.com/api/v3/account', recording.authFailed);
  const [bad] = await verifyExchanges(withKeys, options);
  expect(bad).toMatchObject({ ok: false, balance: expect.stringMatching(/^FAIL ERR_AUTH_FAILED: binance .*-2015/) });
  const [keyless] = await verifyExchanges(targetsOfNames(['okx'], { account: 'default', sandbox: false, endpoint: server.origin }, env), options);
  expect(keyless).toMatchObject({ exchange: 'okx', ok: false, balance: expect.stringMatching(/^FAIL no keys for account "default"/) });
  expect(formatVerifyTable([bad!, keyless!]).split('\n')[0]).toMatch(/^exchange +markets +balance$/);
});

test("a config's ccxt exchanges are checked with their own settings and their traders' accounts", () => {
  const config = parseConfig({
    exchanges: { paper: { type: 'paper' }, main: { type: 'ccxt', exchange: 'okx', sandbox: true, endpoint: server.origin } },
    traders: [{ id: 'swing', exchange: 'main', account: 'swing-1', symbols: ['BTC/USDT'] }],
  });
  expect(targetsOfConfig(config)).toEqual([{ name: 'main', exchange: 'okx', account: 'swing-1', sandbox: true, endpoint: server.origin }]);
});

test('botv3 exchanges verify prints the table and exits 0 when everything works', CLI_TEST, async () => {
  const { stdout } = await botv3(['exchanges', 'verify', '--endpoint', server.origin], { env: { ...process.env, ...env } });
  expect(stdout).toMatch(/^binance +ok \(1 spot markets\) +ok \(2 assets\)$/m);
  expect(stdout).not.toContain(recording.credentials.secret);
});

test('botv3 start runs traders on a ccxt exchange and reports its connectivity', CLI_TEST, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-ccxt-'));
  const config = join(dir, 'platform.yaml');
  await writeFile(config, ['exchanges:', `  binance: { type: ccxt, endpoint: '${server.origin}', pollMs: 100 }`, 'traders:', '  - { id: alpha, exchange: binance, symbols: [BTC/USDT], account: default }', ''].join('\n'));
  const { stdout } = await botv3(['start', '--config', config, '--port', '0', '--duration', '2', '--summary-ms', '500'], {
    env: { ...process.env, ...env, DATABASE_URL: '', BOTV3_DATA_DIR: join(dir, 'data') },
  });
  expect(stdout).toContain('Exchanges: binance (ccxt binance)');
  expect(stdout).toMatch(/^ {2}exchanges: binance up$/m);
  expect(stdout).toMatch(/Stopped\. Mailboxes drained: true\.$/m);
});
