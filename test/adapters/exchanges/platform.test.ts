import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../../adapters/config/load.js';
import { loadTradingMarkets } from '../../../adapters/exchanges/markets.js';
import { clientOrderId } from '../../../actors/trading/ids.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { platformTree } from '../../../actors/platform/tree.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, keysInEnvironment, type FakeExchange } from '../../helpers/fake-exchange.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

/** A trader switched from the paper exchange to Binance by configuration alone, against the replayed Binance. */
let server: FakeExchange;
let platform: TestPlatform;

beforeAll(async () => {
  server = await fakeExchange(recording.routes);
  keysInEnvironment('binance', 'alpha', recording.credentials);
  const input = {
    exchanges: { binance: { type: 'ccxt', endpoint: server.origin, pollMs: 50, timeoutMs: 1_000 } },
    traders: [{ id: 'alpha', exchange: 'binance', symbols: ['BTC/USDT'], balances: { USDT: 10_000 } }],
  };
  const marketsDir = mkdtempSync(join(tmpdir(), 'botv3-markets-'));
  const markets = await loadTradingMarkets(parseConfig(input), marketsDir);
  platform = await startPlatform(input, { markets, marketsDir });
});
afterAll(async () => {
  await platform.stop();
  await server.close();
});

test('the trader sizes with the exchange’s market, gets candles, and its order fills with its own client order id', async () => {
  // Candles fetched from the exchange give the trader its mark.
  await waitFor(async () => (await platform.status('alpha')).marks['BTC/USDT'] === toFixed('63301', 'close'), 'a candle from the exchange');
  platform.signal('alpha', { id: 's1', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: 0.001 });
  const status = await waitFor(async () => {
    const s = await platform.status('alpha');
    return s.stats.fills === 1 && Object.keys(s.orders).length === 0 && s;
  }, 'the fill');
  expect(status.positions['BTC/USDT']).toMatchObject({ quantity: toFixed('0.001', 'q'), avgEntry: toFixed('63310.01', 'p') });
  expect(status.balances.USDT).toBe(toFixed('10000', 'b') - toFixed('63.31001', 'n') - toFixed('0.06331001', 'f'));
  const sent = server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/api/v3/order'));
  expect(sent.map((r) => (r.body as Record<string, string>).newClientOrderId)).toEqual([clientOrderId('alpha', 's1')]);
});

test('what the exchange or ccxt cannot do is refused at start, naming the field', async () => {
  const tree = async (exchanges: object, trader: object) => {
    const config = parseConfig({ exchanges, traders: [{ id: 'a', symbols: ['BTC/USDT'], ...trader }] });
    return platformTree(config, { markets: await loadTradingMarkets(config, mkdtempSync(join(tmpdir(), 'botv3-markets-'))) });
  };
  const endpoint = server.origin;
  await expect(tree({ binance: { type: 'ccxt', endpoint } }, { exchange: 'binance', symbols: ['DOGE/USDT'] })).rejects.toMatchObject({
    field: 'traders[0].symbols[0]',
    message: 'traders[0].symbols[0]: DOGE/USDT is not listed on exchange "binance"',
  });
  await expect(tree({ main: { type: 'ccxt', endpoint, exchange: 'binance' } }, { exchange: 'main' })).resolves.toBeDefined();
  expect(() => platformTree(parseConfig({ exchanges: { main: { type: 'ccxt' } }, traders: [{ id: 'a', exchange: 'main', symbols: ['BTC/USDT'] }] }))).toThrow(
    expect.objectContaining({ field: 'exchanges.main.exchange' }),
  );
  expect(() => platformTree(parseConfig({ exchanges: { kucoin: { type: 'ccxt', sandbox: true } }, traders: [{ id: 'a', exchange: 'kucoin', symbols: ['BTC/USDT'] }] }))).toThrow(
    expect.objectContaining({ field: 'exchanges.kucoin.sandbox', message: expect.stringContaining('testnets: binance, bybit, okx, gate') }),
  );
  expect(() => parseConfig({ exchanges: { binance: { type: 'ccxt', sandbox: 'yes' } }, traders: [{ id: 'a' }] })).toThrow(/exchanges\.binance\.sandbox/);
});
