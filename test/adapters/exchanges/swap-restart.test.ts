import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { binanceUsdm } from '../../fixtures/exchanges/binance-usdm.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { fakeExchange, keysInEnvironment, type FakeExchange } from '../../helpers/fake-exchange.js';
import { startCcxtPlatform, type TestPlatform } from '../../helpers/platform.js';
import { runSql } from '../../helpers/v2-database.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A trader on Binance's USDⓈ-M perpetual across restarts of the platform, on its database: funding the
 * account paid while the platform was down is booked once, and positions carried from v2 are checked
 * against the account at the first start.
 */
const SWAP = 'BTC/USDT:USDT';
const fx = (value: string) => toFixed(value, 'test');
let db: TestDatabaseServer | undefined;
let server: FakeExchange | undefined;
let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  await server?.close();
  await db?.close();
  platform = server = db = undefined;
});

async function start(origin: string, trader: object): Promise<TestPlatform> {
  keysInEnvironment('binance', 'futures', { apiKey: 'test-key', secret: 'test-secret' });
  const input = {
    exchanges: { binance: { type: 'ccxt', endpoint: origin, pollMs: 50, holdingsCheckMs: 500, timeoutMs: 1_000, rateLimitMs: 1 } },
    traders: [{ exchange: 'binance', account: 'futures', symbols: [SWAP], leverage: 5, allowShort: true, ...trader }],
  };
  return startCcxtPlatform(input, { database: { url: db!.url, poolSize: db!.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') } });
}

async function freshSchema(): Promise<TestDatabaseServer> {
  const created = await freshDatabaseServer();
  const pool = await openDatabase({ url: created.url, maximumPoolSize: 1 });
  await migrate(pool.pool);
  await pool.close();
  return created;
}

test('funding paid while the platform was down is fetched at its restart and booked once', async () => {
  db = await freshSchema();
  const venue = binanceUsdm();
  server = await fakeExchange(venue.routes);
  platform = await start(server.origin, { id: 'hedge' });
  await waitFor(async () => (await platform!.status('hedge')).positions[SWAP]?.quantity === -fx('0.01'), 'the short taken over');
  const first = Date.now() + 1;
  venue.fund(first, '-0.12650000');
  await waitFor(async () => (await platform!.status('hedge')).positions[SWAP]?.funding === -fx('0.1265'), 'the first payment');
  await platform.stop();
  platform = undefined;

  // Paid while nothing ran.
  venue.fund(Date.now() + 1, '-0.20000000');
  const asked = server.requests.length;
  platform = await start(server.origin, { id: 'hedge' });
  const status = await waitFor(async () => {
    const s = await platform!.status('hedge');
    return s.positions[SWAP]?.funding === -fx('0.3265') && s;
  }, 'the payment made while down');
  // Asked from after the payment it had booked, which the venue lists again: booked once.
  const income = server.requests.slice(asked).filter((r) => r.path.endsWith('/fapi/v1/income'));
  expect(Number(income[0]!.query.startTime)).toBe(first + 1);
  expect(status.balances.USDT).toBe(fx('2000') - fx('0.3265'));
  expect(status.mode).toBe('active');
  expect(status.positions[SWAP]).toMatchObject({ quantity: -fx('0.01'), fundedTo: venue.account.funding[1]!.time });
});

test('at the first start, positions carried from v2 are checked against the account: a difference halts the trader, naming both sides', async () => {
  db = await freshSchema();
  await runSql(
    db.url,
    `INSERT INTO traders (id, exchange, account, mode, mode_reason) VALUES ('v2-binance', 'binance', 'futures', 'active', 'carries the positions v2 left open on binance');
     INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, realized_pnl, fees, opened_at, updated_at) VALUES ('v2-binance', '${SWAP}', -0.02, 63310, 0, 0, '2024-03-01', '2024-03-01')`,
  );
  const venue = binanceUsdm();
  server = await fakeExchange(venue.routes);
  platform = await start(server.origin, { id: 'v2-binance' });
  const status = await waitFor(async () => {
    const s = await platform!.status('v2-binance');
    return s.mode === 'halted' && s;
  }, 'the mismatch to halt the trader');
  expect(status.modeReason).toBe("positions differ from the account: BTC/USDT:USDT ours -0.02, the account's -0.01; resolve, then resume");
  // Its ledger opened from the futures wallet all the same, and it sends no order.
  expect(status.balances.USDT).toBe(fx('2000'));
  expect(server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/fapi/v1/order'))).toEqual([]);
});
