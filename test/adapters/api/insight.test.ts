import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'slonik';
import { DonchianChannels, RSI, SMA } from 'trading-signals';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningPlatform } from '../../../adapters/api/launch.js';
import { TokenStore } from '../../../adapters/api/tokens.js';
import { openDatabase, type Database } from '../../../adapters/database/connect.js';
import { fixedToNumber, fixedToString, mul, toFixed, type Fixed } from '../../../actors/trading/fixed.js';
import { callApi, launchApiPlatform } from '../../helpers/api.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { waitFor } from '../../helpers/wait.js';

const traders = [
  { id: 'sma', strategy: { name: 'sma_crossover', symbols: ['BTC/USDT', 'ETH/USDT'], timeframe: '1m', params: { fast: 3, slow: 5 } }, orderNotional: 200 },
  { id: 'rsi', strategy: { name: 'rsi_reversion', symbols: ['ETH/USDT'], timeframe: '1m', params: { period: 5 } }, orderNotional: 200 },
  { id: 'breakout', strategy: { name: 'breakout', symbols: ['XRP/USDT'], timeframe: '1m', params: { lookback: 4 } }, orderNotional: 200 },
  { id: 'grid', strategy: { name: 'grid', symbols: ['SOL/USDT'], timeframe: '1m', params: { levels: 4, spacing_pct: 0.1 } }, orderNotional: 200 },
  { id: 'manual', symbols: ['BTC/USDT'], balances: { USDT: 100_000 } },
];

let server: TestDatabaseServer;
let database: Database;
let dir: string;
let tokens: TokenStore;
let platform: RunningPlatform | undefined;
let read: string;
let trade: string;

const start = async () => {
  platform = await launchApiPlatform({ traders }, { url: server.url, poolSize: server.poolSize, dir, tokens });
};
const stop = async () => {
  await platform?.stop();
  platform = undefined;
};
const get = (path: string, token: string | null = read) => callApi(platform!.api.url, 'GET', `/api/v1${path}`, { token });
const advance = (candles = 1) => void platform!.system.send('exchange.paper', { type: 'advance', candles });

beforeAll(async () => {
  server = await freshDatabaseServer();
  database = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  dir = mkdtempSync(join(tmpdir(), 'botv3-insight-'));
  tokens = TokenStore.open(join(dir, 'api-tokens.json'));
  read = tokens.create('read', ['read']).token;
  trade = tokens.create('trade', ['trade']).token;
  await start();
});
afterAll(async () => {
  await stop();
  await database?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Chart {
  symbol: string;
  timeframe: string;
  candles: { ts: number; open: string; high: string; low: string; close: string; volume: string }[];
  indicators: { name: string; pane: string; values: { ts: number; value: number }[] }[];
}

/** The chart of `traderId` once it holds at least `count` candles of `symbol`. */
async function chartOf(traderId: string, symbol: string, count: number): Promise<Chart> {
  return waitFor(async () => {
    const res = await get(`/traders/${traderId}/candles?symbol=${encodeURIComponent(symbol)}`);
    expect(res.status).toBe(200);
    return res.body.candles.length >= count && (res.body as Chart);
  }, `${count} candles of ${traderId}`);
}

/** Each indicator of a chart as `{ ts: value }`. */
function linesOf(chart: Chart): Record<string, Record<number, number>> {
  return Object.fromEntries(chart.indicators.map((i) => [i.name, Object.fromEntries(i.values.map((v) => [v.ts, v.value]))]));
}

/** Asserts that `actual` has a value at exactly the candles `expected` has one, each as close as floats allow. */
function expectLine(actual: Record<number, number> | undefined, expected: Record<number, number>, name: string): void {
  expect(Object.keys(actual ?? {}), name).toEqual(Object.keys(expected));
  for (const [ts, value] of Object.entries(expected)) expect(actual![Number(ts)], `${name} at ${ts}`).toBeCloseTo(value, 6);
}

/** `indicator` (a trading-signals one) fed each candle: its value at each candle once stable. */
function computed<I>(chart: Chart, indicator: { add(input: I): unknown; isStable: boolean }, input: (c: Chart['candles'][number]) => I, value: () => number): Record<number, number> {
  const out: Record<number, number> = {};
  for (const candle of chart.candles) {
    indicator.add(input(candle));
    if (indicator.isStable) out[candle.ts] = value();
  }
  return out;
}

describe('GET /api/v1/traders/:id/candles', () => {
  test("answers each trader's candles with its strategy's indicators, as trading-signals computes them on the same candles", async () => {
    advance(40);
    const sma = await chartOf('sma', 'BTC/USDT', 40);
    expect(sma).toMatchObject({ symbol: 'BTC/USDT', timeframe: '1m' });
    expect(sma.candles.slice(1).every((c, i) => c.ts - sma.candles[i]!.ts === 60_000)).toBe(true);
    for (const c of sma.candles) expect(Number(c.low) <= Number(c.close) && Number(c.close) <= Number(c.high)).toBe(true);
    expect(sma.indicators.map((i) => [i.name, i.pane])).toEqual([['SMA3', 'price'], ['SMA5', 'price']]);
    const close = (c: Chart['candles'][number]) => Number(c.close);
    const fast = new SMA(3);
    const slow = new SMA(5);
    expectLine(linesOf(sma).SMA3, computed(sma, fast, close, () => Number(fast.getResultOrThrow())), 'SMA3');
    expectLine(linesOf(sma).SMA5, computed(sma, slow, close, () => Number(slow.getResultOrThrow())), 'SMA5');

    // Its other symbol by name; its first by default.
    const eth = await chartOf('sma', 'ETH/USDT', 40);
    expect(eth.candles.map((c) => c.close)).not.toEqual(sma.candles.map((c) => c.close));
    const byDefault = await get('/traders/sma/candles');
    expect(byDefault.body.symbol).toBe('BTC/USDT');

    const rsi = await chartOf('rsi', 'ETH/USDT', 40);
    expect(rsi.indicators.map((i) => [i.name, i.pane])).toEqual([['RSI5', 'own']]);
    const wilder = new RSI(5);
    expectLine(linesOf(rsi).RSI5, computed(rsi, wilder, close, () => Number(wilder.getResultOrThrow())), 'RSI5');

    const breakout = await chartOf('breakout', 'XRP/USDT', 40);
    const channel = new DonchianChannels(4);
    const range = (c: Chart['candles'][number]) => ({ high: Number(c.high), low: Number(c.low) });
    expectLine(linesOf(breakout)['high 4'], computed(breakout, channel, range, () => channel.getResultOrThrow().upper), 'high 4');
    const channelLow = new DonchianChannels(4);
    expectLine(linesOf(breakout)['low 4'], computed(breakout, channelLow, range, () => channelLow.getResultOrThrow().lower), 'low 4');

    // The grid: anchored at the first close, lines -2, -1, +1, +2 at 0.1 % apart; the lines around each close.
    const grid = await chartOf('grid', 'SOL/USDT', 40);
    const anchor = Number(grid.candles[0]!.close);
    const line = (k: number) => (anchor * (100 + k * 0.1)) / 100;
    const expected: Record<string, Record<number, number>> = { 'grid anchor': {}, 'grid buy': {}, 'grid sell': {} };
    for (const c of grid.candles) {
      const lines = [-2, -1, 1, 2];
      const level = lines.filter((k) => Number(c.close) >= line(k)).length;
      expected['grid anchor']![c.ts] = anchor;
      if (level > 0) expected['grid buy']![c.ts] = line(lines[level - 1]!);
      if (level < lines.length) expected['grid sell']![c.ts] = line(lines[level]!);
    }
    for (const [name, values] of Object.entries(expected)) expectLine(linesOf(grid)[name], values, name);
  });

  test('answers the latest `limit` candles, and candles without indicators for a trader without a strategy', async () => {
    const all = await chartOf('sma', 'BTC/USDT', 40);
    const last = await get('/traders/sma/candles?symbol=BTC/USDT&limit=4');
    expect(last.body.candles).toEqual(all.candles.slice(-4));
    const tail = new Set(all.candles.slice(-4).map((c) => c.ts));
    expect(last.body.indicators.map((i: Chart['indicators'][number]) => i.values)).toEqual(all.indicators.map((i) => i.values.filter((v) => tail.has(v.ts))));
    const manual = await chartOf('manual', 'BTC/USDT', 40);
    expect(manual.timeframe).toBe('1m');
    expect(manual.indicators).toEqual([]);
    expect(manual.candles.slice(-40)).toEqual(all.candles.slice(-40));
  });

  test('refuses bad parameters with 400 naming them, an unknown trader with 404, no token with 401', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=lots', 'limit'],
      ['symbol=DOGE/USDT', 'symbol'],
      ['symbol=BTC%00', 'symbol'],
      ['colour=red', 'colour'],
    ]) {
      const res = await get(`/traders/sma/candles?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'ERR_BAD_REQUEST', field });
    }
    const unknown = await get('/traders/nobody/candles');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'ERR_NOT_FOUND', message: 'no trader "nobody"' });
    expect((await get('/traders/sma/candles', null)).status).toBe(401);
  });
});

/** Places a manual order of `manual` and moves the market until it is stored filled; returns its client order id. */
async function fill(side: 'BUY' | 'SELL', quantity: string): Promise<string> {
  const placed = await callApi(platform!.api.url, 'POST', '/api/v1/orders', { token: trade, body: { traderId: 'manual', symbol: 'BTC/USDT', side, quantity } });
  expect(placed.status).toBe(201);
  const id = placed.body.clientOrderId as string;
  // Its trade and ledger rows are written in the same batch as the order's filled state.
  await waitFor(async () => {
    advance();
    const res = await get(`/orders/${id}`);
    return res.status === 200 && res.body.status === 'filled';
  }, `order ${id} stored filled`);
  advance(3);
  return id;
}

/** The equity stored at each time, as the database has it. */
async function storedEquity(): Promise<{ at: number; equity: Fixed }[]> {
  const rows = (await database.pool.any(sql.unsafe`
    SELECT DISTINCT ON (timestamp) timestamp AS at, total_balance_usd AS equity FROM balances WHERE trader_id = 'manual' ORDER BY timestamp, asset`)) as { at: number; equity: string }[];
  return rows.map((r) => ({ at: r.at, equity: toFixed(r.equity, 'equity') }));
}

/** Each point's drawdown from the peak before it, the starting 100,000 USDT included. */
function drawdowns(points: readonly { equity: Fixed }[]): number[] {
  let peak = 100_000;
  return points.map(({ equity }) => {
    peak = Math.max(peak, fixedToNumber(equity));
    return (peak - fixedToNumber(equity)) / peak;
  });
}

/** The points of `ntile(limit)` runs: each run's last equity and deepest drawdown. */
function downsampled(points: { at: number; equity: Fixed; drawdown: number }[], limit: number) {
  const out = [];
  const runs = Math.min(limit, points.length);
  for (let run = 0, i = 0; run < runs; run++) {
    const size = Math.floor(points.length / runs) + (run < points.length % runs ? 1 : 0);
    const slice = points.slice(i, (i += size));
    out.push({ ...slice.at(-1)!, drawdown: Math.max(...slice.map((p) => p.drawdown)) });
  }
  return out;
}

/** The API's equity points, amounts read back as fixed-point. */
async function equityOf(query = ''): Promise<{ at: number; equity: Fixed; drawdown: number }[]> {
  const res = await get(`/traders/manual/equity${query}`);
  expect(res.status).toBe(200);
  return res.body.data.map((p: { at: number; equity: string; drawdown: number }) => ({ ...p, equity: toFixed(p.equity, 'equity') }));
}

function expectPoints(actual: { at: number; equity: Fixed; drawdown: number }[], expected: { at: number; equity: Fixed; drawdown: number }[]): void {
  expect(actual.map(({ at, equity }) => ({ at, equity }))).toEqual(expected.map(({ at, equity }) => ({ at, equity })));
  actual.forEach((p, i) => expect(p.drawdown).toBeCloseTo(expected[i]!.drawdown, 12));
}

describe('equity, performance and stored orders', () => {
  let bought: string;

  test('GET /orders/:clientOrderId answers the stored order as the list does, 404 for an unknown one', async () => {
    bought = await fill('BUY', '0.02');
    const one = await get(`/orders/${bought}`);
    const listed = await get('/orders?traderId=manual');
    expect(one.body).toEqual(listed.body.data.find((o: { client_order_id: string }) => o.client_order_id === bought));
    expect(one.body).toMatchObject({ client_order_id: bought, trader_id: 'manual', side: 'BUY', status: 'filled', quantity: '0.020000000' });
    const unknown = await get('/orders/v3nosuchorder');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'ERR_NOT_FOUND', message: 'clientOrderId: no order "v3nosuchorder"', field: 'clientOrderId' });
    const unstorable = await get('/orders/v3%00');
    expect(unstorable.status).toBe(400);
    expect(unstorable.body.error.field).toBe('clientOrderId');
    expect((await get(`/orders/${bought}`, null)).status).toBe(401);
  });

  test('GET /traders/:id/equity answers the stored equity with drawdowns, in at most `limit` points, across a restart', async () => {
    await fill('SELL', '0.02');
    await fill('BUY', '0.01');
    const stored = await storedEquity();
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const dd = drawdowns(stored);
    const expected = stored.map((p, i) => ({ ...p, drawdown: dd[i]! }));
    expectPoints(await equityOf(), expected);
    expectPoints(await equityOf('?limit=2'), downsampled(expected, 2));
    // A window keeps the drawdowns measured from the peaks before it.
    expectPoints(await equityOf(`?from=${stored[1]!.at}`), expected.slice(1));
    expectPoints(await equityOf(`?to=${new Date(stored[2]!.at).toISOString()}`), expected.slice(0, 2));

    await stop();
    await start();
    expectPoints(await equityOf(), expected);
    await waitFor(async () => {
      advance();
      return (await get('/traders/manual')).body.live?.marks['BTC/USDT'] !== undefined;
    }, 'a price after the restart');
    await fill('SELL', '0.01');
    const after = await storedEquity();
    expect(after.length).toBe(stored.length + 1);
    const more = drawdowns(after);
    expectPoints(await equityOf(), after.map((p, i) => ({ ...p, drawdown: more[i]! })));
  });

  test('refuses bad equity parameters with 400 naming them, an unknown trader with 404, no token with 401', async () => {
    for (const [query, field] of [['from=yesterday', 'from'], ['to=-1', 'to'], ['limit=0', 'limit'], ['limit=10001', 'limit'], ['colour=red', 'colour']]) {
      const res = await get(`/traders/manual/equity?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'ERR_BAD_REQUEST', field });
    }
    expect((await get('/traders/nobody/equity')).status).toBe(404);
    expect((await get('/traders/manual/equity', null)).status).toBe(401);
  });

  test('GET /traders/:id/performance answers the figures of its stored equity and fills, as recomputed', async () => {
    await fill('BUY', '0.01');
    // Asked between two looks at the trader that agree: the candles still on their way to it have come.
    const { summary, body } = await waitFor(async () => {
      const before = (await get('/traders/manual')).body;
      const res = await get('/traders/manual/performance');
      expect(res.status).toBe(200);
      const after = (await get('/traders/manual')).body;
      return before.live.equity === after.live.equity && { summary: after, body: res.body };
    }, 'the market to settle');
    const trades = (await database.pool.any(sql.unsafe`
      SELECT side, price, quantity, fee FROM trades WHERE trader_id = 'manual' ORDER BY executed_at, trade_id`)) as { side: string; price: string; quantity: string; fee: string }[];
    const [registered] = (await database.pool.any(sql.unsafe`SELECT created_at FROM traders WHERE id = 'manual'`)) as { created_at: number }[];
    // Round trips by hand: flat to flat, fees included.
    const trips: Fixed[] = [];
    let held = 0n;
    let cash = 0n;
    for (const t of trades) {
      const quantity = toFixed(t.quantity, 'quantity');
      const notional = mul(toFixed(t.price, 'price'), quantity);
      held += t.side === 'BUY' ? quantity : -quantity;
      cash += (t.side === 'BUY' ? -notional : notional) - toFixed(t.fee, 'fee');
      if (held === 0n) {
        trips.push(cash);
        cash = 0n;
      }
    }
    const wins = trips.filter((p) => p > 0n);
    const losses = trips.filter((p) => p < 0n);
    const final = toFixed(summary.live.equity, 'equity');
    const points = [...(await storedEquity()), { at: Date.now(), equity: final }];
    const fees = trades.reduce((sum, t) => sum + toFixed(t.fee, 'fee'), 0n);

    expect(body).toMatchObject({ traderId: 'manual', from: registered!.created_at });
    expect(body.summary).toMatchObject({
      initialEquity: '100000',
      finalEquity: summary.live.equity,
      pnl: summary.pnl,
      feesPaid: fixedToString(fees),
      trades: trips.length,
      fills: trades.length,
      cagr: null,
      sharpe: null,
      sortino: null,
      winRate: wins.length / trips.length,
      profitFactor: losses.length > 0 ? fixedToNumber(wins.reduce((a, b) => a + b, 0n)) / fixedToNumber(-losses.reduce((a, b) => a + b, 0n)) : null,
    });
    expect(trips).toHaveLength(2);
    expect(body.summary.totalReturn).toBeCloseTo(fixedToNumber(final) / 100_000 - 1, 12);
    expect(body.summary.maxDrawdown).toBeCloseTo(Math.max(...drawdowns(points)), 12);
    // Flat before the first fill, long at the end.
    expect(body.summary.timeInMarket).toBeGreaterThan(0);
    expect(body.summary.timeInMarket).toBeLessThan(1);
    expect(body.pnl.total).toBe(summary.pnl);
    const midnight = Math.floor(body.to / 86_400_000) * 86_400_000;
    if (body.from >= midnight) expect(body.pnl.today).toBe(summary.pnl);
    expect(Object.keys(body.method).sort()).toEqual(['drawdown', 'equity', 'pnl', 'returns', 'trades']);
    expect(body.stepMs).toBeGreaterThan(0);
  });

  test('refuses performance parameters with 400, an unknown trader with 404, no token with 401', async () => {
    const res = await get('/traders/manual/performance?window=1d');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'ERR_BAD_REQUEST', field: 'window' });
    expect((await get('/traders/nobody/performance')).status).toBe(404);
    expect((await get('/traders/manual/performance', null)).status).toBe(401);
  });

  test('a restarted trader starts its chart again from the candles that come', async () => {
    const res = await get('/traders/sma/candles');
    const before = res.body.candles.length;
    expect(before).toBeLessThan(40);
    advance(2);
    await chartOf('sma', 'BTC/USDT', before + 2);
  });
});
