import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatVerifyTable, verifyExchanges } from '../../../adapters/cli/exchanges.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, type FakeExchange } from '../../helpers/fake-exchange.js';

let server: FakeExchange;
beforeAll(async () => {
  server = await fakeExchange(recording.routes);
});
afterAll(() => server.close());

const env = { BINANCE_API_KEY: recording.credentials.apiKey, BINANCE_API_SECRET: recording.credentials.secret };

test('checks every exchange with keys, and says why one fails', async () => {
  const options = { account: 'default', sandbox: false, timeoutMs: 1_000, endpoint: server.origin, env };
  expect(await verifyExchanges(options)).toEqual([{ exchange: 'binance', markets: 'ok (1 spot markets)', balance: 'ok (2 assets)', ok: true }]);
  server.inject('GET', 'api.binance.com/api/v3/account', recording.authFailed);
  const [bad] = await verifyExchanges(options);
  expect(bad).toMatchObject({ ok: false, balance: expect.stringMatching(/^FAIL ERR_AUTH_FAILED: binance .*-2015/) });
  const [keyless] = await verifyExchanges({ ...options, exchanges: ['okx'] });
  expect(keyless).toMatchObject({ exchange: 'okx', ok: false, balance: expect.stringMatching(/^FAIL no keys/) });
  expect(formatVerifyTable([bad!, keyless!]).split('\n')[0]).toMatch(/^exchange +markets +balance$/);
});

test('botv3 exchanges verify prints the table and exits 0 when everything works', async () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'adapters/cli/main.ts', 'exchanges', 'verify', '--endpoint', server.origin], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  expect(stdout).toMatch(/^binance +ok \(1 spot markets\) +ok \(2 assets\)$/m);
  expect(stdout).not.toContain(recording.credentials.secret);
});
