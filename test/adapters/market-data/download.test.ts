import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { candlesFile, loadMarkets, loadSeries, marketFile } from '../../../adapters/backtest/data.js';
import { createClient } from '../../../adapters/exchanges/client.js';
import { downloadCandles } from '../../../adapters/market-data/download.js';
import recording from '../../fixtures/exchanges/binance.js';
import { botv3, CLI_TEST, exitOf } from '../../helpers/cli.js';
import { fakeExchange, type FakeExchange, type RecordedRequest } from '../../helpers/fake-exchange.js';

const KLINES = 'api.binance.com/api/v3/klines';
const T0 = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
/** The fake exchange has this many one-minute candles of BTCUSDT from T0. */
const LISTED = 2_500;

/** Pages still answered before the exchange fails one (a test's outage), when set. */
let pagesBeforeOutage: number | undefined;

/** Binance's klines from `startTime`, at most `limit` (its default 500), as its REST API lays them out. */
function klines(request: RecordedRequest) {
  if (pagesBeforeOutage !== undefined && pagesBeforeOutage-- === 0) return { status: 503, text: 'Service Unavailable' };
  const start = Math.max(T0, Math.ceil((Number(request.query['startTime'] ?? T0) - T0) / MINUTE) * MINUTE + T0);
  const limit = Number(request.query['limit'] ?? 500);
  const rows = [];
  for (let t = start; t < T0 + LISTED * MINUTE && rows.length < limit; t += MINUTE) {
    const i = (t - T0) / MINUTE;
    const close = (60_000 + i * 0.5).toFixed(2);
    rows.push([t, (60_000 + (i - 1) * 0.5).toFixed(2), (60_010 + i * 0.5).toFixed(2), (59_990 + i * 0.5).toFixed(2), close, '1.50000000', t + MINUTE - 1, '0', 10, '0', '0', '0']);
  }
  return { json: rows };
}

let server: FakeExchange;
beforeAll(async () => {
  server = await fakeExchange([...recording.routes.filter((r) => r.path !== KLINES), { method: 'GET', path: KLINES, reply: klines }]);
});
afterAll(() => server.close());

const pages = () => server.requests.filter((r) => r.path === KLINES).length;

describe('data download', () => {
  test('pages through fetchOHLCV, keeps [from, to), and resumes after a failure without a duplicate or a gap', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'candles-'));
    const client = createClient({ exchange: 'binance', sandbox: false, endpoint: server.origin });
    const window = { from: T0 + 100 * MINUTE, to: T0 + 2_300 * MINUTE };
    const before = pages();
    // The third page fails: the two before it stay on disk.
    pagesBeforeOutage = 2;
    await expect(downloadCandles({ client, symbols: ['BTC/USDT'], timeframe: '1m', ...window, dataDir, pageSize: 700 })).rejects.toThrow(/503/);
    pagesBeforeOutage = undefined;
    expect((await loadSeries(dataDir, ['BTC/USDT'], '1m'))['BTC/USDT']).toHaveLength(1_400);
    const progress: number[] = [];
    const [result] = await downloadCandles({ client, symbols: ['BTC/USDT'], timeframe: '1m', ...window, dataDir, pageSize: 700, onProgress: (p) => progress.push(p.done) });
    await client.close();
    expect(result).toMatchObject({ symbol: 'BTC/USDT', file: candlesFile(dataDir, 'BTC/USDT', '1m'), written: 800 });
    // Two pages, the failed one, then the two that finish (700 + 100).
    expect(pages() - before).toBe(5);
    expect(progress.at(-1)).toBe(2_200);
    const series = (await loadSeries(dataDir, ['BTC/USDT'], '1m'))['BTC/USDT']!;
    const times = Array.from({ length: series.length }, (_, i) => series.at(i)!.ts);
    expect(times).toHaveLength(2_200);
    expect(times.every((ts, i) => ts === window.from + i * MINUTE)).toBe(true);
    expect((await readFile(result!.file, 'utf8')).split('\n')[1]).toBe(`${window.from},60049.5,60060,60040,60050,1.5`);
  });

  test('a finished file asks only for what is after its last candle', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'candles-'));
    const client = createClient({ exchange: 'binance', sandbox: false, endpoint: server.origin });
    const options = { client, symbols: ['BTC/USDT'], timeframe: '1m', from: T0, to: T0 + LISTED * MINUTE + 60 * MINUTE, dataDir };
    expect((await downloadCandles(options))[0]!.written).toBe(LISTED);
    const before = pages();
    expect((await downloadCandles(options))[0]!.written).toBe(0);
    // One request past the last candle, answered with nothing.
    expect(pages() - before).toBe(1);
    expect(server.requests.filter((r) => r.path === KLINES).at(-1)!.query['startTime']).toBe(String(T0 + LISTED * MINUTE));
    await client.close();
  });
});

describe('botv3 data download', CLI_TEST, () => {
  test('writes the folder botv3 backtest reads, and says how many candles it added', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'candles-'));
    const { stdout } = await botv3(['data', 'download', '--exchange', 'binance', '--symbols', 'BTC/USDT', '--from', '2025-01-01', '--to', '2025-01-01T10:00', '--data', dataDir, '--endpoint', server.origin], {
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(stdout).toBe(`BTC/USDT: 600 new candles in ${candlesFile(dataDir, 'BTC/USDT', '1m')}\n`);
    expect((await loadSeries(dataDir, ['BTC/USDT'], '1m'))['BTC/USDT']).toHaveLength(600);
    // Binance's own steps, minimums and fees beside the candles, as the backtest reads them.
    expect(JSON.parse(await readFile(marketFile(dataDir, 'BTC/USDT'), 'utf8'))).toEqual({ priceStep: '0.01', amountStep: '0.00001', minAmount: '0.00001', minNotional: '5', makerFee: '0.001', takerFee: '0.001' });
    expect(Object.keys(await loadMarkets(dataDir, ['BTC/USDT', 'ETH/USDT']))).toEqual(['BTC/USDT']);
  });

  test('a symbol the exchange does not list is refused before anything is written', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'candles-'));
    const result = await exitOf(
      botv3(['data', 'download', '--exchange', 'binance', '--symbols', 'NOPE/USDT', '--from', '2025-01-01', '--to', '2025-01-01T01:00', '--data', dataDir, '--endpoint', server.origin], {
        env: { ...process.env, DATABASE_URL: '' },
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--symbols.*NOPE\/USDT is not listed on binance/s);
    expect(await readdir(dataDir)).toEqual([]);
  });
});
