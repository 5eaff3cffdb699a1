import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningPlatform } from '../../../adapters/api/launch.js';
import { TokenStore } from '../../../adapters/api/tokens.js';
import { openDatabase, type Database } from '../../../adapters/database/connect.js';
import { list } from '../../../adapters/database/queries.js';
import { callApi, launchApiPlatform, waitForPrices } from '../../helpers/api.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { waitFor } from '../../helpers/wait.js';

const traders = [
  { id: 'alpha', symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
  { id: 'Beta', symbols: ['BTC/USDT'], balances: { USDT: 50_000 }, orderNotional: 500 },
];

let server: TestDatabaseServer;
let database: Database;
let dir: string;
let tokens: TokenStore;
let platform: RunningPlatform | undefined;

beforeAll(async () => {
  server = await freshDatabaseServer();
  dir = mkdtempSync(join(tmpdir(), 'botv3-positions-'));
  tokens = TokenStore.open(join(dir, 'api-tokens.json'));
});
afterAll(async () => {
  await platform?.stop();
  await database?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = () => launchApiPlatform({ traders }, { url: server.url, poolSize: server.poolSize, dir, tokens });

/** Sends signals through the API once every trader has a price, and moves the market until each trader's positions are stored as `done` says. */
async function trade(running: RunningPlatform, signals: object[], done: (rows: Record<string, string>) => boolean) {
  const admin = tokens.create(`t${Date.now()}${Math.random()}`, ['admin']).token;
  await waitForPrices(running);
  const res = await callApi(running.api.url, 'POST', '/api/v1/signals', { token: admin, body: { signals } });
  expect(res.body.accepted).toBe(signals.length);
  await waitFor(async () => {
    running.system.send('exchange.paper', { type: 'advance', candles: 1 });
    const rows = (await database.pool.any(sql.unsafe`SELECT trader_id, symbol, quantity FROM positions`)) as { trader_id: string; symbol: string; quantity: string }[];
    return done(Object.fromEntries(rows.map((r) => [`${r.trader_id} ${r.symbol}`, String(r.quantity)])));
  }, 'the positions stored');
}

describe('GET /api/v1/positions', () => {
  test('answers what the table holds, for any filter, across a restart and rows the platform did not write', async () => {
    platform = await start();
    database = await openDatabase({ url: server.url, maximumPoolSize: 1 });
    await trade(platform, [
      { id: 'a1', traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
      { id: 'a2', traderId: 'alpha', strategy: 'ext', symbol: 'ETH/USDT', action: 'BUY' },
      { id: 'b1', traderId: 'Beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
    ], (rows) => Object.keys(rows).length === 3);
    await platform.stop();
    platform = undefined;
    // A position no trader of this config holds (a v2 row, or a trader since removed), and one long closed.
    await database.pool.query(sql.unsafe`
      INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, opened_at, updated_at) VALUES
        ('v2-binance', 'SOL/USDT', 12.5, 101.25, '2024-03-01T00:00:00Z', '2024-03-02T00:00:00Z'),
        ('_old', 'BTC/USDT', 0, 0, NULL, '2023-01-01T00:00:00Z')`);

    platform = await start();
    const admin = tokens.create('reader', ['read']).token;
    // The first read loads the table; the trading after it reaches the answers through the events.
    expect((await callApi(platform.api.url, 'GET', '/api/v1/positions', { token: admin })).body.data).toHaveLength(5);
    await trade(platform, [
      { id: 'a3', traderId: 'alpha', strategy: 'ext', symbol: 'ETH/USDT', action: 'CLOSE' },
      { id: 'b2', traderId: 'Beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
    ], (rows) => rows['alpha ETH/USDT'] === '0.000000000' && rows['Beta BTC/USDT'] !== undefined);
    const stored = (await database.pool.any(sql.unsafe`SELECT updated_at FROM positions`)) as { updated_at: number }[];
    const times = stored.map((r) => r.updated_at);
    await waitFor(async () => {
      const [served, direct] = await Promise.all([platform!.control.query('positions', {}), list(database.pool, 'positions', {})]);
      return JSON.stringify(served.rows) === JSON.stringify(direct.rows);
    }, 'the last fills in the answer');

    const filter = fc.record(
      {
        traderId: fc.constantFrom('alpha', 'Beta', 'beta', 'v2-binance', '_old', 'nobody'),
        symbol: fc.constantFrom('BTC/USDT', 'ETH/USDT', 'SOL/USDT'),
        open: fc.constantFrom(true, false, 'true', 'false'),
        from: fc.constantFrom(...times, ...times.map((t) => t + 1)),
        to: fc.constantFrom(...times, ...times.map((t) => t + 1)),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(filter, async (f) => {
        const query = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)]));
        const res = await callApi(platform!.api.url, 'GET', `/api/v1/positions?${new URLSearchParams(query)}`, { token: admin });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual(JSON.parse(JSON.stringify((await list(database.pool, 'positions', query)).rows)));
      }),
      { numRuns: 60 },
    );
  });
});
