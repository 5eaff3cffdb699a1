import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../../adapters/config/load.js';
import { loadTradingMarkets } from '../../../adapters/exchanges/markets.js';
import { clientOrderId } from '../../../actors/trading/ids.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { LedgerWatch } from '../../../actors/platform/ledger-watch.js';
import { platformTree } from '../../../actors/platform/tree.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, keysInEnvironment, type FakeExchange } from '../../helpers/fake-exchange.js';
import { startCcxtPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

/** A trader switched from the paper exchange to Binance by configuration alone, against the replayed Binance. */
let server: FakeExchange;
let platform: TestPlatform;

beforeAll(async () => {
  server = await fakeExchange(recording.routes);
  keysInEnvironment('binance', 'alpha', recording.credentials);
  const input = {
    exchanges: { binance: { type: 'ccxt', endpoint: server.origin, pollMs: 50, timeoutMs: 1_000 } },
    // Its configured balances are for a paper account: on Binance it starts from its half of the account.
    traders: [{ id: 'alpha', exchange: 'binance', symbols: ['BTC/USDT'], balances: { USDT: 10_000 }, allocation: 0.5 }],
  };
  platform = await startCcxtPlatform(input);
});
afterAll(async () => {
  await platform.stop();
  await server.close();
});

test('the trader’s ledger starts from its share of what the account holds, free and locked', async () => {
  // The recorded account: 0.5 BTC, and 1,000 USDT free with 60 locked.
  const status = await waitFor(async () => {
    const s = await platform.status('alpha');
    return s.balances.BTC !== undefined && s;
  }, 'the ledger read from the account');
  expect(status.balances).toEqual({ BTC: toFixed('0.25', 'b'), USDT: toFixed('530', 'b') });
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
  expect(status.balances.USDT).toBe(toFixed('530', 'b') - toFixed('63.31001', 'n') - toFixed('0.06331001', 'f'));
  expect(status.balances.BTC).toBe(toFixed('0.251', 'b'));
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
  // Allocations share a real account: never more than all of it, an equal part of the rest by default, and a paper account has none.
  const shared = async (allocations: (number | undefined)[]) => {
    const config = parseConfig({
      exchanges: { binance: { type: 'ccxt', endpoint } },
      traders: allocations.map((allocation, i) => ({ id: `t${i}`, exchange: 'binance', account: 'main', symbols: ['BTC/USDT'], ...(allocation !== undefined ? { allocation } : {}) })),
    });
    const built = platformTree(config, { markets: await loadTradingMarkets(config, mkdtempSync(join(tmpdir(), 'botv3-markets-'))) });
    const traders = (built.children as { id: string; children?: { args: { accountShare?: bigint } }[] }[]).find((c) => c.id === 'traders')!.children!;
    return traders.map((t) => t.args.accountShare);
  };
  expect(await shared([undefined, undefined])).toEqual([toFixed('0.5', 's'), toFixed('0.5', 's')]);
  expect(await shared([0.6, undefined])).toEqual([toFixed('0.6', 's'), toFixed('0.4', 's')]);
  await expect(shared([0.6, 0.5])).rejects.toMatchObject({ field: 'traders[1].allocation', message: expect.stringContaining('allocated 1.1 of it, more than all of it') });
  await expect(shared([1, undefined])).rejects.toMatchObject({ field: 'traders[1].allocation', message: expect.stringContaining('are allocated all of it: give this one an allocation') });
  expect(() => platformTree(parseConfig({ traders: [{ id: 'a', symbols: ['BTC/USDT'], allocation: 0.5 }] }))).toThrow(expect.objectContaining({ field: 'traders[0].allocation' }));
  expect(() => parseConfig({ traders: [{ id: 'a', symbols: ['BTC/USDT'], allocation: 1.5 }] })).toThrow(/allocation/);
});

test('a movement of the account that its traders did not book is a drift alert once seen on two checks in a row, and its end another', async () => {
  const watch = new LedgerWatch(platform.system, platform.config);
  // The first check takes what the account holds beyond alpha's half; nothing has moved since.
  expect(await watch.check('binance')).toEqual([]);
  expect(await watch.check('binance')).toEqual([]);
  // 100 USDT leave the account by hand: moved on one check, it could be an order filling between the reads.
  const [method, path] = recording.balanceRoute;
  const account = structuredClone((recording.routes.find((r) => r.method === method && r.path === path)!.reply as { json: { balances: { asset: string; free: string }[] } }).json);
  account.balances.find((b) => b.asset === 'USDT')!.free = '900.00000000';
  server.inject(method, path, { json: account }, 2);
  expect(await watch.check('binance')).toEqual([]);
  expect(await watch.check('binance')).toEqual([{ exchange: 'binance', account: 'alpha', asset: 'USDT', drift: -toFixed('100', 'd') }]);
  // The recording again: the drift is over.
  expect(await watch.check('binance')).toEqual([]);
  const alerts = (await platform.hub()).recent.filter((e) => e.kind === 'alert' && 'source' in e && e.source === 'ledger') as unknown as { level: string; message: string }[];
  expect(alerts.map((a) => [a.level, a.message])).toEqual([
    ['error', 'ledger drift on binance account alpha: USDT moved -100 beyond what its traders (alpha) booked; the ledgers are left as they are'],
    ['info', "ledger drift on binance account alpha: USDT agrees with its traders' ledgers again"],
  ]);
  // Never a silent overwrite: the trader's ledger is as it was.
  expect((await platform.status('alpha')).balances.USDT).toBe(toFixed('530', 'b') - toFixed('63.31001', 'n') - toFixed('0.06331001', 'f'));
});
