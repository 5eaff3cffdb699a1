import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';

const SMA_TREND = fileURLToPath(new URL('../../fixtures/strategies/sma-trend.ts', import.meta.url));
let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({ traders: [{ id: 'mine', strategy: { name: 'trend', module: SMA_TREND, symbols: ['BTC/USDT'], params: { period: 9 } } }] });
});
afterAll(async () => api?.close());

test('GET /strategies lists a configured module beside the built-ins, with its params as JSON Schema', async () => {
  const res = await api.call('GET', '/api/v1/strategies', { token: api.token.read });
  expect(res.status).toBe(200);
  const mine = res.body.data.find((s: { type: string }) => s.type === 'sma_trend');
  expect(mine).toMatchObject({ module: SMA_TREND, description: expect.stringMatching(/SMA/), params: { type: 'object', properties: { period: { type: 'integer', default: 20 } } } });
  expect(res.body.data.map((s: { type: string }) => s.type)).toEqual(expect.arrayContaining(['sma_crossover', 'rsi_reversion', 'grid', 'breakout', 'sma_trend']));
  expect(res.body.configured).toEqual([{ traderId: 'mine', name: 'trend', type: 'sma_trend', module: SMA_TREND, symbols: ['BTC/USDT'], timeframe: '1m', params: { period: 9 } }]);
});
