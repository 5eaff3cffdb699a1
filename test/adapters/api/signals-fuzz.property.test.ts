import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Whole `POST /signals` bodies, good and bad mixed (wrong types, text PostgreSQL cannot store, bytes
 * that are not UTF-8, deep nesting, sizes past every limit, keys `Object.prototype` has): every answer
 * is a 202 or a 4xx naming the field, for the request or for each item, never a 5xx; a trader receives
 * exactly the signals the answer says were accepted for it, nothing when the request is refused; and
 * the traders go on trading.
 */
let api: ApiTestPlatform;
const TRADERS = ['alpha', 'beta'] as const;
const BODY_LIMIT = 16 * 1024;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: TRADERS.map((id) => ({ id, symbols: ['BTC/USDT'], balances: { USDT: 1_000_000 }, orderNotional: 10 })),
    // The allowance per token is not what this test is about: it sends as fast as answers come.
    api: { bodyLimitBytes: BODY_LIMIT, rateLimit: { requests: 1_000_000 } },
  });
  await api.priced();
});
afterAll(async () => api?.close());

/**
 * Signals each trader has taken from its mailbox. A status request is answered in mailbox order, after
 * every signal the API routed before it, so a count read after a request includes all it routed.
 */
async function signalsTaken(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of TRADERS) {
    const trader = await api.control.trader(id);
    expect(trader, id).toMatchObject({ state: 'running', restarts: 0, live: { mode: 'active' } });
    counts[id] = trader.live!.stats.signals;
  }
  return counts;
}

const INHERITED = Object.getOwnPropertyNames(Object.prototype);
const FIELDS = ['id', 'traderId', 'strategy', 'symbol', 'action', 'quantity', 'price', 'ts'] as const;

/** `{ a: { a: ... } }` or `[[...]]`, `depth` levels deep. */
const nested = (depth: number, array: boolean): unknown => {
  let value: unknown = array ? [] : {};
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
};

/** Values no field accepts, or only some do. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', 'NaN', '-1', '1e400', '0x10', '１', 'buy ', 'BUY\n', 'btc/usdt'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(...INHERITED, '__proto__'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => `x${String.fromCharCode(unit)}`),
  fc.constant('a\u0000b'),
  fc.integer({ min: 65, max: 4096 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).chain((depth) => fc.boolean().map((array) => nested(depth, array))),
  fc.anything({ maxDepth: 3 }),
);

/** A signal for one of the traders that every check passes. */
const goodSignal = fc.record(
  {
    traderId: fc.constantFrom(...TRADERS),
    strategy: fc.constantFrom('fuzz', 'ext'),
    symbol: fc.constantFrom('BTC/USDT', 'BTCUSDT', 'btc/usdt'),
    action: fc.constantFrom('BUY', 'buy', 'CLOSE', 'close'),
    quantity: fc.constantFrom('0.0001', 0.0002),
    price: fc.constantFrom('1000.5', 2000),
    ts: fc.constantFrom(1_700_000_000_000, '2026-01-01T00:00:00Z'),
  },
  { requiredKeys: ['traderId', 'strategy', 'symbol', 'action'] },
);

/** Adds `key` as an own property, even `__proto__`, so JSON.stringify writes it. */
const withKey = (object: object, key: string, value: unknown) => Object.defineProperty({ ...object }, key, { value, enumerable: true, configurable: true, writable: true });

/** A good signal, or one with a field replaced by junk, dropped, or an extra key added. */
const item: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: goodSignal },
  { weight: 3, arbitrary: fc.tuple(goodSignal, fc.constantFrom(...FIELDS), junk).map(([s, field, value]) => withKey(s, field, value)) },
  { weight: 1, arbitrary: fc.tuple(goodSignal, fc.constantFrom(...FIELDS)).map(([s, field]) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== field))) },
  { weight: 2, arbitrary: fc.tuple(goodSignal, fc.oneof(fc.constantFrom(...INHERITED, '__proto__'), fc.string({ maxLength: 8 })), junk).map(([s, key, value]) => withKey(s, key, value)) },
  { weight: 1, arbitrary: junk },
);

/** A whole body: one signal, a list, `{ signals }`, or something else entirely. */
const body: fc.Arbitrary<unknown> = fc.oneof(
  item,
  fc.array(item, { minLength: 0, maxLength: 6 }),
  fc.array(item, { minLength: 0, maxLength: 6 }).map((signals) => ({ signals })),
  fc.tuple(fc.array(item, { minLength: 1, maxLength: 3 }), fc.constantFrom(...INHERITED, '__proto__', 'extra'), junk).map(([signals, key, value]) => withKey({ signals }, key, value)),
  junk.map((signals) => ({ signals })),
  fc.constantFrom(1_001, 5_000).map((n) => Array.from({ length: n }, () => ({ traderId: 'alpha', strategy: 'fuzz', symbol: 'BTC/USDT', action: 'BUY' }))),
);

/** Ids made unique per request, so a good signal is never a resend of an earlier run's one. */
let request = 0;
function uniqueIds(value: unknown): unknown {
  request += 1;
  const stamp = (signal: unknown, i: number) => (signal !== null && typeof signal === 'object' && !Array.isArray(signal) && !Object.hasOwn(signal, 'id') ? { ...signal, id: `fz-${request}-${i}` } : signal);
  if (Array.isArray(value)) return value.map(stamp);
  if (value !== null && typeof value === 'object' && Array.isArray((value as { signals?: unknown }).signals)) {
    return withKey(value, 'signals', (value as { signals: unknown[] }).signals.map(stamp));
  }
  return stamp(value, 0);
}

/** The body's JSON as bytes, with `invalid` (bytes that are not UTF-8) put inside its first string if it has one. */
const bytesOf = (value: unknown, invalid: Uint8Array | null): { bytes: Uint8Array; utf8: boolean } => {
  const json = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  const quote = json.indexOf(0x22);
  if (invalid === null || quote < 0) return { bytes: json, utf8: true };
  return { bytes: Buffer.concat([json.subarray(0, quote + 1), invalid, json.subarray(quote + 1)]), utf8: false };
};
const notUtf8 = fc.constantFrom(Uint8Array.of(0xff), Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xf8, 0x88, 0x80, 0x80, 0x80));

interface Outcome {
  index: number;
  traderId: string | null;
  accepted: boolean;
  field?: string;
  reason?: string;
}

describe('POST /signals under generated bodies', () => {
  it('answers a 202 or a 4xx naming the field, routes exactly what it accepted, and the traders trade on', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.option(notUtf8, { freq: 6 }), async (generated, invalid) => {
        const sent = bytesOf(uniqueIds(generated), invalid);
        const before = await signalsTaken();
        const res = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: sent.bytes });
        const after = await signalsTaken();
        const routed = Object.fromEntries(TRADERS.map((id) => [id, after[id]! - before[id]!]));
        const detail = `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect([202, 400, 413, 422], detail).toContain(res.status);
        if (res.body.error !== undefined) {
          // The request as a whole is refused.
          expect(res.status, detail).not.toBe(202);
          expect(res.body.error.field, detail).toEqual(expect.stringMatching(/./));
          expect(routed, detail).toEqual({ alpha: 0, beta: 0 });
          if (sent.bytes.length > BODY_LIMIT) expect(res.status, detail).toBe(413);
          else if (!sent.utf8) expect(res.body.error, detail).toMatchObject({ code: 'ERR_BAD_REQUEST', field: 'body' });
          return;
        }
        // An answer per item: each refused one names its field, and the accepted ones, only they, were routed.
        expect(sent.utf8, detail).toBe(true);
        const outcomes = res.body.data as Outcome[];
        for (const outcome of outcomes.filter((o) => !o.accepted)) {
          expect(outcome.field, detail).toEqual(expect.stringMatching(/./));
          expect(outcome.reason, detail).toEqual(expect.stringMatching(/./));
        }
        const accepted = outcomes.filter((o) => o.accepted);
        expect(res.body.accepted, detail).toBe(accepted.length);
        expect(res.status, detail).toBe(accepted.length > 0 ? 202 : 422);
        expect(routed, detail).toEqual(Object.fromEntries(TRADERS.map((id) => [id, accepted.filter((o) => o.traderId === id).length])));
      }),
      { numRuns: 300 },
    );
    // Still trading: once the market moves on and the exits some CLOSE signals started are done, a manual order is placed.
    api.advance(2);
    for (const traderId of TRADERS) {
      await waitFor(async () => Object.keys((await api.control.trader(traderId)).live!.exits).length === 0, `the exits of ${traderId} to end`);
      const res = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId, symbol: 'BTC/USDT', side: 'BUY', quantity: '0.001' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
});
