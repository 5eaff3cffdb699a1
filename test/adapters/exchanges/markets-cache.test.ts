import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../../adapters/exchanges/client.js';
import { MarketsCache } from '../../../adapters/exchanges/markets-cache.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, type FakeExchange } from '../../helpers/fake-exchange.js';

let server: FakeExchange;
beforeAll(async () => {
  server = await fakeExchange(recording.routes);
});
afterAll(() => server.close());

const client = () => createClient({ exchange: 'binance', endpoint: server.origin });
const loads = () => server.requests.filter((r) => r.path.endsWith('/exchangeInfo')).length;

test('fifty clients and a restart share one load of the markets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'botv3-markets-'));
  const cache = new MarketsCache(dir);
  const clients = Array.from({ length: 50 }, client);
  await Promise.all(clients.map((c) => cache.load(c)));
  expect(loads()).toBe(1);
  expect(clients.every((c) => c.markets?.['BTC/USDT']?.id === 'BTCUSDT')).toBe(true);
  // A new process: the file on disk, no request.
  const restarted = client();
  await new MarketsCache(dir).load(restarted);
  expect(loads()).toBe(1);
  expect(restarted.market('BTC/USDT').precision.amount).toBe(0.00001);
});

test('a stale file is refreshed, and kept when the refresh fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'botv3-markets-'));
  await new MarketsCache(dir).load(client());
  const before = loads();
  const later = Date.now() + 7 * 60 * 60 * 1000;
  await new MarketsCache(dir).load(client(), later);
  expect(loads()).toBe(before + 1);
  server.inject('GET', 'api.binance.com/api/v3/exchangeInfo', { status: 503, text: 'maintenance' });
  const offline = client();
  await new MarketsCache(dir).load(offline, later + 7 * 60 * 60 * 1000);
  expect(offline.markets?.['BTC/USDT']).toBeDefined();
});
