import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { withClient } from '../../helpers/v2-database.js';

/**
 * Query parameters of the six stored lists, over real HTTP against a real platform and database: a bad
 * one is a 400 naming it before any query is made, and a query the database still fails is a 503 that
 * says nothing of the database.
 */

type Kind = 'text' | 'enum' | 'bool' | 'limit' | 'time' | 'cursor';
const PAGE = { limit: 'limit', before: 'cursor', from: 'time', to: 'time' } as const;
const LISTS: Record<string, { path: string; params: Record<string, Kind> }> = {
  orders: { path: '/api/v1/orders', params: { traderId: 'text', symbol: 'text', status: 'enum', side: 'enum', ...PAGE } },
  trades: { path: '/api/v1/trades', params: { traderId: 'text', symbol: 'text', side: 'enum', ...PAGE } },
  signals: { path: '/api/v1/signals', params: { traderId: 'text', symbol: 'text', outcome: 'enum', ...PAGE } },
  positions: { path: '/api/v1/positions', params: { traderId: 'text', symbol: 'text', open: 'bool', from: 'time', to: 'time' } },
  balances: { path: '/api/v1/accounts/balance', params: { traderId: 'text' } },
  reviews: { path: '/api/v1/reviews/history', params: { traderId: 'text', decidedBy: 'enum', approved: 'bool', ...PAGE } },
};
const ENUMS: Record<string, string[]> = {
  status: ['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'],
  side: ['BUY', 'SELL'],
  outcome: ['accepted', 'skipped', 'rejected', 'duplicate'],
  decidedBy: ['ai', 'human', 'policy', 'expiry'],
};
/** What zod's `stringbool` reads, in any case. */
const BOOLS = new Set(['true', '1', 'yes', 'on', 'y', 'enabled', 'false', '0', 'no', 'off', 'n', 'disabled']);
/** A good value of each parameter, encoded. */
const GOOD: Record<string, string> = {
  traderId: 'alpha', symbol: 'BTC%2FUSDT', status: 'open', side: 'BUY', outcome: 'accepted', decidedBy: 'ai', approved: 'true', open: 'true',
  limit: '5', before: '1767225600000%3Ax', from: '0', to: '2026-01-01T00%3A00%3A00Z',
};

/** `text` percent-encoded, a lone surrogate as the three bytes UTF-8 would give it (`%ED%A0%80`), which no UTF-8 decoder takes. */
function encode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** `s` decoded, or as it is when it does not decode. */
function decodeURIComponentOr(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const text = fc.string({ maxLength: 12 });
const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => encode(String.fromCharCode(unit)));
/** Values no parameter takes: NUL, a lone surrogate, bytes that are not UTF-8, too long. */
const badText = fc.oneof(
  fc.tuple(text, text).map(([a, b]) => `${encode(a)}%00${encode(b)}`),
  fc.tuple(text, surrogate, text).map(([a, s, b]) => `${encode(a)}${s}${encode(b)}`),
  fc.constantFrom('%FF', '%C3', '%E2%82', '%C0%AF', '%F4%90%80%80', '%'),
  fc.integer({ min: 65, max: 6_000 }).map((n) => 'a'.repeat(n)),
  fc.constant(''),
);
const huge = fc.bigInt({ min: 10n ** 15n, max: 10n ** 40n }).map(String);
const negative = fc.bigInt({ min: -(10n ** 20n), max: -1n }).map(String);
const word = fc.stringMatching(/^[a-z]{1,12}$/);
const badOf: Record<Kind, (name: string) => fc.Arbitrary<string>> = {
  text: () => badText,
  enum: (name) => fc.oneof(badText, fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !ENUMS[name]!.includes(s)).map(encode)),
  bool: () => fc.oneof(badText, fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !BOOLS.has(s.toLowerCase())).map(encode)),
  limit: () =>
    fc.oneof(badText, huge, negative, word, fc.double({ noDefaultInfinity: false }).map(String)).filter((s) => {
      const n = Number(decodeURIComponentOr(s));
      return !(Number.isInteger(n) && n >= 1 && n <= 1_000);
    }),
  time: () =>
    fc.oneof(
      badText,
      huge,
      negative,
      word,
      fc.double({ min: 0, max: 1e15, noNaN: true }).filter((n) => !Number.isInteger(n)).map(String),
      // ISO without its offset, and a day no month has.
      fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => encode(d.toISOString().slice(0, 19))),
      fc.constant('2026-02-30T00%3A00%3A00Z'),
    ),
  cursor: () =>
    fc.oneof(
      badText,
      huge.map((n) => `${n}%3Ax`),
      negative.map((n) => `${n}%3Ax`),
      fc.stringMatching(/^[0-9a-z]{1,20}$/),
      fc.nat().map((n) => `${n}%3A`),
      fc.tuple(fc.nat(), badText.filter((s) => s !== '' && !/^a+$/.test(s))).map(([n, key]) => `${n}%3A${key}`),
      fc.integer({ min: 1_025, max: 6_000 }).map((n) => `1%3A${'k'.repeat(n)}`),
    ),
};

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

/** A query string of `list` with one bad parameter, `field` the name the 400 must give. */
const badQuery = fc.constantFrom(...Object.keys(LISTS)).chain((list) => {
  const { params } = LISTS[list]!;
  const names = Object.keys(params);
  const badValue = fc.constantFrom(...names).chain((name) => badOf[params[name]!](name).map((value) => ({ field: name, pair: `${name}=${value}` })));
  const unknown = fc
    .oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }))
    .filter((name) => !Object.hasOwn(params, name))
    .map((name) => ({ field: name, pair: `${encode(name)}=x` }));
  const repeated = fc.constantFrom(...names).map((name) => ({ field: name, pair: `${name}=${GOOD[name]}&${name}=${GOOD[name]}` }));
  const undecodable = fc.tuple(word, surrogate).map(([name, s]) => ({ field: `${name}${s}`, pair: `${name}${s}=1` }));
  return fc.tuple(fc.oneof(badValue, unknown, repeated, undecodable), fc.boolean()).map(([{ field, pair }, goodFirst]) => {
    // Beside a good parameter, on either side: the bad one is still the one named.
    const pairs = field === 'traderId' ? [pair] : goodFirst ? ['traderId=alpha', pair] : [pair, 'traderId=alpha'];
    return { list, field, query: pairs.join('&') };
  });
});

let api: ApiTestPlatform;
const traderId = `qp_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: [{ id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 10_000 } }, { id: traderId, symbols: ['BTC/USDT'], balances: { USDT: 1_000 } }],
    // The property sends its requests as fast as it can.
    api: { rateLimit: { requests: 100_000 } },
  });
});
afterAll(async () => api?.close());

const get = (list: string, query: string) => api.call('GET', `${LISTS[list]!.path}?${query}`, { token: api.token.read });

/** Asserts the answer to `list?query` is a 400 naming `field`, with nothing of the database in it. */
async function expectRefused(list: string, query: string, field: string) {
  const res = await get(list, query);
  const what = `${list}?${query.slice(0, 200)}`;
  expect(res.status, what).toBe(400);
  expect(res.body.error.code, what).toBe('ERR_BAD_REQUEST');
  expect(res.body.error.field, what).toBe(field);
  expect(res.body.error.message, what).not.toMatch(/invalid byte sequence|out of range|syntax for type|query failed/i);
}

describe('bad query parameters of the stored lists', () => {
  it.each(Object.keys(LISTS))('%s: the issue\'s NUL and huge cursor are 400s naming the parameter', async (list) => {
    await expectRefused(list, 'traderId=%00', 'traderId');
    await expectRefused(list, 'before=99999999999999999999999:x', 'before');
  });

  it.each(Object.keys(LISTS))('%s: lone surrogates, unknown and repeated parameters are 400s naming them', async (list) => {
    await expectRefused(list, 'traderId=%ED%A0%80', 'traderId');
    await expectRefused(list, 'traderId=a%ED%B0%80b', 'traderId');
    await expectRefused(list, `traderId=${'a'.repeat(65)}`, 'traderId');
    await expectRefused(list, 'traderId=alpha&traderId=beta', 'traderId');
    await expectRefused(list, '__proto__=x', '__proto__');
    await expectRefused(list, 'constructor=x&traderId=alpha', 'constructor');
  });

  it.each(['orders', 'trades', 'signals', 'reviews'])('%s: a cursor holds what PostgreSQL takes', async (list) => {
    for (const cursor of ['1:%00', '1:%ED%A0%80', `1:${'k'.repeat(1_025)}`, '-1:x', '1.5:x', '1:', 'x']) await expectRefused(list, `before=${cursor}`, 'before');
    for (const limit of ['0', '1001', '-5', '99999999999999999999999', 'lots', '%00']) await expectRefused(list, `limit=${limit}`, 'limit');
    for (const time of ['9999999999999999', '-1', '1.5', '2026-02-30T00:00:00Z', '2026-01-01T00:00:00']) await expectRefused(list, `from=${encodeURIComponent(time)}`, 'from');
  });

  it('answers any bad query string with a 400 naming the parameter, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(badQuery, async ({ list, field, query }) => expectRefused(list, query, field)),
      { numRuns: 100 },
    );
    // And still answers good ones, every parameter of each list given.
    for (const list of Object.keys(LISTS)) {
      const res = await get(list, Object.keys(LISTS[list]!.params).map((name) => `${name}=${GOOD[name]}`).join('&'));
      expect(res.status, list).toBe(200);
      expect(res.body.data).toEqual(expect.any(Array));
    }
  });
});

describe('a query the database fails', () => {
  it('is a 503 with a generic message, nothing of the database in it', async (ctx) => {
    // The test's own database, found by its trader: renaming a view there breaks the history's query.
    if (!process.env.TEST_DATABASE_URL) ctx.skip();
    const server = process.env.TEST_DATABASE_URL!;
    const names = await withClient(server, async (client) => (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'botv3_test_%'")).rows);
    let url: string | undefined;
    for (const { datname } of names) {
      const candidate = new URL(server);
      candidate.pathname = `/${datname}`;
      const ours = await withClient(candidate.toString(), async (client) => (await client.query('SELECT 1 FROM traders WHERE id = $1', [traderId])).rowCount === 1).catch(() => false);
      if (ours) url = candidate.toString();
    }
    expect(url, 'the test platform\'s database').toBeDefined();
    await withClient(url!, (client) => client.query('ALTER VIEW review_decisions RENAME TO review_decisions_away'));
    try {
      const res = await get('reviews', 'traderId=alpha');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'ERR_UNAVAILABLE', message: expect.any(String) } });
      expect(res.body.error.message).not.toMatch(/review_decisions|relation|does not exist/);
    } finally {
      await withClient(url!, (client) => client.query('ALTER VIEW review_decisions_away RENAME TO review_decisions'));
    }
    expect((await get('reviews', 'traderId=alpha')).status).toBe(200);
  });
});
