import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../../adapters/exchanges/client.js';
import { ExchangeGuard } from '../../../adapters/exchanges/guard.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, type FakeExchange } from '../../helpers/fake-exchange.js';

/** The guard around a real ccxt client talking to the replayed Binance. */
let server: FakeExchange;
let client: Exchange;
const ticker = 'api.binance.com/api/v3/ticker/24hr';
const order = 'api.binance.com/api/v3/order';
const options = { retries: 2, backoff: { initialMs: 1, maxMs: 5, jitter: 0 }, failureThreshold: 2, openMs: 60_000 };
const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

beforeAll(async () => {
  server = await fakeExchange(recording.routes);
  client = createClient({ exchange: 'binance', credentials: recording.credentials, endpoint: server.origin, timeoutMs: 500 });
  client.enableRateLimit = false;
  await client.loadMarkets();
});
afterAll(() => server.close());

test('retries what may pass on a second try, and reports the exchange degraded meanwhile', async () => {
  const guard = new ExchangeGuard('binance', options);
  const before = hits(ticker);
  server.inject('GET', ticker, { status: 503, text: 'busy' }, 2);
  expect((await guard.run(() => client.fetchTicker('BTC/USDT'))).last).toBe(63310.01);
  expect(hits(ticker) - before).toBe(3);
  expect(guard.connectivity).toBe('up');
});

test('never retries a rejected order', async () => {
  const guard = new ExchangeGuard('binance', options);
  const before = hits(order);
  server.inject('POST', order, recording.insufficientFunds);
  await expect(guard.run(() => client.createOrder('BTC/USDT', 'limit', 'buy', 1, 60_000))).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_FUNDS' });
  expect(hits(order) - before).toBe(1);
  expect(guard.connectivity).toBe('up');
});

test('opens the circuit after failing calls in a row: later calls fail at once, until it is time to try again', async () => {
  const guard = new ExchangeGuard('binance', options, ['test-secret']);
  server.inject('GET', ticker, { status: 503, text: 'down for maintenance' }, 6);
  for (const state of ['degraded', 'down']) {
    await expect(guard.run(() => client.fetchTicker('BTC/USDT'))).rejects.toMatchObject({ code: 'ERR_EXCHANGE_DOWN' });
    expect(guard.connectivity).toBe(state);
  }
  const before = hits(ticker);
  await expect(guard.run(() => client.fetchTicker('BTC/USDT'))).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN', message: expect.stringContaining('circuit open after 2 failures') });
  expect(hits(ticker)).toBe(before);
  // Past the open window, one call goes through again, and a success closes the circuit.
  expect((await guard.run(() => client.fetchTicker('BTC/USDT'), () => Date.now() + 61_000)).last).toBe(63310.01);
  expect(guard.connectivity).toBe('up');
});

test('keys and signatures never reach an error message', async () => {
  const guard = new ExchangeGuard('binance', { ...options, retries: 0 }, [recording.credentials.apiKey, recording.credentials.secret]);
  server.inject('GET', 'api.binance.com/api/v3/account', { status: 500, text: `upstream failed for key ${recording.credentials.apiKey}` });
  const error = await guard.run(() => client.fetchBalance()).catch((e: Error) => e);
  expect(error.message).toContain('signature=***');
  expect(error.message).not.toContain(recording.credentials.apiKey);
});
