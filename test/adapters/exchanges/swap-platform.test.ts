import { afterAll, beforeAll, expect, test } from 'vitest';
import { clientOrderId } from '../../../actors/trading/ids.js';
import type { BalancesReply } from '../../../actors/trading/exchange-protocol.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { LedgerWatch } from '../../../actors/platform/ledger-watch.js';
import { binanceUsdm } from '../../fixtures/exchanges/binance-usdm.js';
import { fakeExchange, keysInEnvironment, type FakeExchange } from '../../helpers/fake-exchange.js';
import { startCcxtPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A trader on Binance's USDⓈ-M perpetual, against the replayed venue: the messages the paper swap
 * market gets reach the real ccxt client, and the account's short is managed from the first start.
 */
const SWAP = 'BTC/USDT:USDT';
const fx = (value: string) => toFixed(value, 'test');
const venue = binanceUsdm();
let server: FakeExchange;
let platform: TestPlatform;
let watch: LedgerWatch;
/** The futures wallet as the adapter reads it for the ledger (the venue's wallet, unrealized P&L left out). */
const wallet = async () => {
  const { balances } = await platform.system.request<BalancesReply>('exchange.binance', { type: 'getBalances', account: 'futures', wallet: 'swap' });
  return balances.USDT!.free + balances.USDT!.locked;
};
const sent = (path: string) => server.requests.filter((r) => r.method === 'POST' && r.path.endsWith(path)).map((r) => ({ ...r.query, ...(r.body as Record<string, string>) }));

beforeAll(async () => {
  server = await fakeExchange(venue.routes);
  keysInEnvironment('binance', 'futures', venue.credentials);
  const input = {
    exchanges: { binance: { type: 'ccxt', endpoint: server.origin, pollMs: 50, holdingsCheckMs: 500, timeoutMs: 1_000, rateLimitMs: 1 } },
    traders: [{ id: 'hedge', exchange: 'binance', account: 'futures', symbols: [SWAP], leverage: 5, allowShort: true }],
  };
  platform = await startCcxtPlatform(input);
});
afterAll(async () => {
  await platform.stop();
  await server.close();
});

test('at its first start the trader takes over the account’s short and starts its ledger from the futures wallet', async () => {
  const status = await waitFor(async () => {
    const s = await platform.status('hedge');
    return s.positions[SWAP] !== undefined && s.marks[SWAP] !== undefined && s;
  }, 'the short taken over and a candle');
  // The recorded account: 2,000 USDT in its futures wallet, and -0.010 BTC short at 63,310.
  expect(status.balances).toEqual({ USDT: fx('2000') });
  expect(status.positions[SWAP]).toMatchObject({ quantity: -fx('0.01'), avgEntry: fx('63310') });
  // Marked at the venue's last closed candle, 63,320: the short is 0.10 down.
  expect(status.marks[SWAP]).toBe(fx('63320'));
  expect(status.unrealized).toBe(-fx('0.1'));
  expect(status.margins[SWAP]).toMatchObject({ leverage: 5, mode: 'isolated' });
  expect(status.mode).toBe('active');
  // The drift check's first look: the account beyond the ledger, nothing.
  watch = new LedgerWatch(platform.system, platform.config);
  expect(await watch.check('binance')).toEqual([]);
});

test('funding the account pays is booked once, to the ledger and the position', async () => {
  venue.fund(Date.now() + 1, '-0.12650000');
  const status = await waitFor(async () => {
    const s = await platform.status('hedge');
    return s.positions[SWAP]?.funding !== 0n && s;
  }, 'the funding payment');
  expect(status.positions[SWAP]!.funding).toBe(-fx('0.1265'));
  expect(status.balances.USDT).toBe(fx('2000') - fx('0.1265'));
  // The next check asks from after the payment: booked once.
  const income = () => server.requests.filter((r) => r.path.endsWith('/fapi/v1/income'));
  const calls = income().length;
  await waitFor(() => income().length > calls, 'the next funding check');
  expect(Number(income().at(-1)!.query.startTime)).toBe(venue.account.funding[0]!.time + 1);
  expect((await platform.status('hedge')).balances.USDT).toBe(fx('2000') - fx('0.1265'));
  expect(await wallet()).toBe(fx('2000') - fx('0.1265'));
});

test('CLOSE sets the margin mode and leverage, then buys the short back reduce-only, its fee read from its trade', async () => {
  platform.signal('hedge', { id: 'close-1', strategy: 'api', symbol: SWAP, action: 'CLOSE' });
  const status = await waitFor(async () => {
    const s = await platform.status('hedge');
    return s.positions[SWAP]?.quantity === 0n && Object.keys(s.orders).length === 0 && s;
  }, 'the short closed');
  expect(sent('/fapi/v1/marginType')).toMatchObject([{ symbol: 'BTCUSDT', marginType: 'ISOLATED' }]);
  expect(sent('/fapi/v1/leverage')).toMatchObject([{ symbol: 'BTCUSDT', leverage: '5' }]);
  expect(sent('/fapi/v1/order')).toMatchObject([{ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', reduceOnly: 'true', newClientOrderId: clientOrderId('hedge', 'close-1') }]);
  // Bought back at the entry: no P&L, the taker fee of 0.05 % (0.31655) and the funding.
  const fee = fx('0.31655');
  expect(status.positions[SWAP]).toMatchObject({ realizedPnl: -fee, fees: fee });
  expect(status.balances.USDT).toBe(fx('2000') - fx('0.1265') - fee);
  // The venue booked the same.
  expect(await wallet()).toBe(status.balances.USDT);
});

test('SELL opens a short again, and the venue liquidating it is booked as the closing fill, at its price', async () => {
  platform.signal('hedge', { id: 'short-2', strategy: 'api', symbol: SWAP, action: 'SELL', quantity: 0.01 });
  await waitFor(async () => (await platform.status('hedge')).positions[SWAP]?.quantity === -fx('0.01'), 'the short opened');
  expect(sent('/fapi/v1/order').at(-1)).toMatchObject({ side: 'SELL', quantity: '0.01', newClientOrderId: clientOrderId('hedge', 'short-2') });
  expect(sent('/fapi/v1/order').at(-1)!.reduceOnly).toBeUndefined();
  // The mark crossed the liquidation price: the venue bought the short back at 75,474.10.
  venue.liquidate(Date.now() + 1, '75474.10');
  const status = await waitFor(async () => {
    const s = await platform.status('hedge');
    return s.positions[SWAP]?.quantity === 0n && s;
  }, 'the liquidation booked');
  const loss = fx('121.641');
  const fees = 2n * fx('0.31655');
  expect(status.balances.USDT).toBe(fx('2000') - fx('0.1265') - fees - loss);
  const events = (await platform.hub()).recent.filter((e) => e.kind === 'liquidation');
  expect(events).toMatchObject([{ kind: 'liquidation', symbol: SWAP, side: 'buy', quantity: fx('0.01'), price: fx('75474.1'), reason: 'liquidated on the exchange' }]);
  expect(await wallet()).toBe(status.balances.USDT);
});

test('the drift check reads the futures wallet: what the trader booked moved it, and 100 USDT taken out by hand is a drift alert', async () => {
  venue.account.wallet = '1777.59940000';
  expect(await watch.check('binance')).toEqual([]);
  expect(await watch.check('binance')).toEqual([{ exchange: 'binance', account: 'futures', wallet: 'swap', asset: 'USDT', drift: -fx('100') }]);
  const alerts = (await platform.hub()).recent.filter((e) => e.kind === 'alert' && 'source' in e && e.source === 'ledger') as unknown as { message: string }[];
  expect(alerts.map((a) => a.message)).toEqual([
    "ledger drift on binance account futures's futures wallet: USDT moved -100 beyond what its traders (hedge) booked; the ledgers are left as they are",
  ]);
});
