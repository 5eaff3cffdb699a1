import { expect, test } from 'vitest';
import { createClient } from '../../../adapters/exchanges/client.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { tradingError } from '../../helpers/trading.js';

test("rateLimitMs sets ccxt's own rate limiter; without it the exchange's published limit stays", () => {
  const published = createClient({ exchange: 'binance' }).rateLimit;
  expect(published).toBeGreaterThan(1);
  expect(createClient({ exchange: 'binance', rateLimitMs: 5 }).rateLimit).toBe(5);
});

test('rateLimitMs is read from the config, and a bad one is named', () => {
  const config = parseConfig({ exchanges: { binance: { type: 'ccxt', rateLimitMs: 25 } }, traders: [{ id: 'a', exchange: 'binance', symbols: ['BTC/USDT'] }] });
  expect(config.exchanges.binance).toMatchObject({ rateLimitMs: 25 });
  const error = tradingError(() => parseConfig({ exchanges: { binance: { type: 'ccxt', rateLimitMs: 0 } }, traders: [{ id: 'a', exchange: 'binance', symbols: ['BTC/USDT'] }] }), 'ERR_INVALID_CONFIG');
  expect(error.field).toBe('exchanges.binance.rateLimitMs');
});
