import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';

/** Every name an object inherits: a lookup by a client's key must never find one of these. */
const INHERITED = Object.getOwnPropertyNames(Object.prototype);

let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({ traders: [{ id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 10_000 } }] });
});
afterAll(async () => api?.close());

/** The routes that look something up by a key from the path. */
const lookups = (key: string): [string, string][] => [
  ['DELETE', `/api/v1/orders/${key}`],
  ['POST', `/api/v1/reviews/${key}/approve`],
  ['POST', `/api/v1/reviews/${key}/reject`],
  ['GET', `/api/v1/traders/${key}`],
  ['POST', `/api/v1/traders/${key}/halt`],
  ['POST', `/api/v1/traders/${key}/resume`],
  ['DELETE', `/api/v1/tokens/${key}`],
];

describe('keys from the client never reach Object.prototype', () => {
  it.each(INHERITED)('%s is unknown everywhere: 404, nothing done', async (key) => {
    for (const [method, path] of lookups(encodeURIComponent(key))) {
      const res = await api.call(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('ERR_NOT_FOUND');
    }
    const trader = await api.call('GET', '/api/v1/traders/alpha', { token: api.token.read });
    expect(trader.body).toMatchObject({ state: 'running', live: { mode: 'active' } });
  });

  it('any unknown key is a 404, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...INHERITED), fc.string({ minLength: 1, maxLength: 40 })), async (key) => {
        if (key === 'alpha') return;
        for (const [method, path] of lookups(encodeURIComponent(key))) {
          const res = await api.call(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
          expect(res.status, `${method} ${path}`).not.toBe(202);
        }
      }),
      { numRuns: 60 },
    );
  });
});
