import { describe, expect, test } from 'vitest';
import type { ExecutionReport, OrderRequest } from '../../../actors/trading/exchange-protocol.js';
import type { Candle } from '../../../actors/trading/market.js';
import { PaperEngine, type PaperSnapshot } from '../../../adapters/paper/engine.js';
import { FUNDING_INTERVAL_MS } from '../../../adapters/paper/funding.js';
import type { PaperMarket } from '../../../adapters/paper/markets.js';
import { fx, testMarket } from '../../helpers/trading.js';

const SYMBOL = 'BTC/USDT:USDT';

/**
 * A linear perpetual with round numbers: at mid 100 the best ask is 100.10 and the best bid 99.90,
 * 100 deep each; fees 0.02 % maker and 0.05 % taker; maintenance margin 0.5 %; funding 0.01 %.
 */
const MARKET: PaperMarket = {
  ...testMarket({ symbol: SYMBOL, makerFee: fx('0.0002'), takerFee: fx('0.0005'), swap: { maintenanceMargin: fx('0.005'), maxLeverage: 20 } }),
  startPrice: fx('100'),
  volatility: 0.8,
  halfSpreadBps: 10,
  levelBps: 10,
  levels: 3,
  levelQuantity: fx('100'),
  fundingRate: fx('0.0001'),
};

/** A minute after a funding time: the next is hours away. */
const T0 = FUNDING_INTERVAL_MS + 60_000;
/** Two minutes before a funding time: the second candle from it spans it. */
const BEFORE_FUNDING = FUNDING_INTERVAL_MS - 120_000;

function candle(i: number, open: string, high: string, low: string, close: string, start = T0): Candle {
  return { symbol: SYMBOL, timeframe: '1m', ts: start + i * 60_000, open: fx(open), high: fx(high), low: fx(low), close: fx(close), volume: fx('10') };
}

function engine(replay: Candle[], snapshot?: PaperSnapshot): PaperEngine {
  const e = new PaperEngine({ markets: [MARKET], seed: 1, timeframe: '1m', timeframeMs: 60_000, startTs: replay[0]!.ts, dedupeWindow: 100, replay: { [SYMBOL]: replay } }, snapshot);
  if (!snapshot) e.deposit('acc', { USDT: fx('1000') });
  return e;
}

let seq = 0;
function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { clientOrderId: `o${++seq}`, account: 'acc', replyTo: 'trader', symbol: SYMBOL, side: 'sell', type: 'market', quantity: fx('1'), leverage: 10, marginMode: 'isolated', ts: T0, ...overrides };
}

const fills = (reports: readonly ExecutionReport[]) => reports.filter((r) => r.kind === 'fill').map((r) => [r.fill!.quantity, r.fill!.price, r.fill!.fee]);
const position = (e: PaperEngine) => e.positions('acc')[SYMBOL];

describe('a short on the paper perpetual', () => {
  test('opens with its margin locked, gains when the price falls, and gives the margin back when closed', () => {
    const e = engine([candle(0, '100', '100', '100', '100'), candle(1, '90', '90', '90', '90')]);
    // 99.90 at the bid; margin 99.90 / 10 = 9.99; taker fee 0.04995.
    expect(fills(e.place(order(), T0))).toEqual([[fx('1'), fx('99.9'), fx('0.04995')]]);
    expect(position(e)).toMatchObject({ position: { quantity: fx('-1'), avgEntry: fx('99.9') }, margin: fx('9.99'), leverage: 10, mode: 'isolated' });
    expect(e.balances('acc').USDT).toEqual({ free: fx('989.96005'), locked: fx('9.99') });

    e.advance(T0);
    e.advance(T0 + 60_000);
    // Bought back at 90.09 (the ask at 90): 9.81 gained, 0.045045 paid.
    expect(fills(e.place(order({ side: 'buy', reduceOnly: true }), T0 + 60_000))).toEqual([[fx('1'), fx('90.09'), fx('0.045045')]]);
    expect(position(e)).toBeUndefined();
    expect(e.balances('acc').USDT).toEqual({ free: fx('1009.715005'), locked: 0n });
  });

  test('receives funding when the rate is positive, at each funding time its candles span', () => {
    const t = BEFORE_FUNDING;
    const e = engine([candle(0, '100', '100', '100', '100', t), candle(1, '100', '100', '100', '100', t), candle(2, '100', '100', '100', '100', t)]);
    e.place(order(), t);
    expect(e.advance(t).reports).toEqual([]);
    // The second candle spans the funding time: a short of 1 at 100 receives 100 * 0.0001, reported at that time.
    expect(e.advance(t + 60_000).reports).toEqual([
      { replyTo: 'trader', report: { kind: 'funding', clientOrderId: '', account: 'acc', symbol: SYMBOL, funding: { amount: fx('0.01'), rate: fx('0.0001') }, ts: FUNDING_INTERVAL_MS } },
    ]);
    expect(e.advance(t + 120_000).reports).toEqual([]);
    expect(e.balances('acc').USDT!.free).toBe(fx('989.97005'));
    expect(position(e)!.position.funding).toBe(fx('0.01'));
  });

  test('is liquidated when a candle reaches its liquidation price, its resting orders cancelled first', () => {
    const e = engine([candle(0, '100', '100', '100', '100'), candle(1, '105', '110', '104', '108')]);
    e.place(order(), T0);
    const resting = order({ side: 'buy', type: 'limit', price: fx('80'), reduceOnly: true });
    e.place(resting, T0);
    expect(e.advance(T0).reports).toEqual([]);
    const { reports } = e.advance(T0 + 60_000);
    // (99.90 + 9.99) / 1.005 = 109.3432..., rounded up to the tick against the short: 109.35.
    expect(reports.map((r) => r.report)).toEqual([
      { kind: 'cancelled', clientOrderId: resting.clientOrderId, exchangeOrderId: 'P2', account: 'acc', symbol: SYMBOL, reason: 'the position was liquidated', ts: T0 + 60_000 },
      {
        kind: 'liquidation',
        clientOrderId: '',
        account: 'acc',
        symbol: SYMBOL,
        side: 'buy',
        fill: { tradeId: 'T2', quantity: fx('1'), price: fx('109.35'), fee: fx('0.54675'), feeAsset: 'USDT', liquidity: 'taker' },
        reason: 'liquidated: high 110 reached the liquidation price 109.343283582',
        ts: T0 + 60_000,
      },
    ]);
    expect(position(e)).toBeUndefined();
    // The margin is gone (and a little more: the price rounds to the tick against the short).
    expect(e.balances('acc').USDT).toEqual({ free: fx('989.96005') + fx('9.99') - fx('9.45') - fx('0.54675'), locked: 0n });
  });

  test('a cross-margin short is backed by the free balance too, so it survives the same candle', () => {
    const e = engine([candle(0, '100', '100', '100', '100'), candle(1, '105', '110', '104', '108')]);
    e.place(order({ marginMode: 'cross' }), T0);
    e.advance(T0);
    expect(e.advance(T0 + 60_000).reports).toEqual([]);
    expect(position(e)!.position.quantity).toBe(fx('-1'));
  });
});

describe('orders on a perpetual', () => {
  test('a reduce-only order that would open or grow a position is rejected', () => {
    const e = engine([candle(0, '100', '100', '100', '100')]);
    expect(e.place(order({ reduceOnly: true }), T0)).toMatchObject([{ kind: 'rejected', reason: 'reduceOnly: the order would not reduce the position' }]);
    e.place(order(), T0);
    expect(e.place(order({ reduceOnly: true }), T0)).toMatchObject([{ kind: 'rejected', reason: 'reduceOnly: the order would not reduce the position' }]);
  });

  test('a reduce-only order larger than the position fills the position and expires the rest', () => {
    const e = engine([candle(0, '100', '100', '100', '100')]);
    e.place(order(), T0);
    const reports = e.place(order({ side: 'buy', quantity: fx('3'), reduceOnly: true }), T0);
    expect(reports.map((r) => [r.kind, r.fill?.quantity, r.reason])).toEqual([
      ['accepted', undefined, undefined],
      ['fill', fx('1'), undefined],
      ['expired', undefined, 'reduce-only: no position left to reduce'],
    ]);
    expect(position(e)).toBeUndefined();
    expect(e.balances('acc').USDT!.locked).toBe(0n);
  });

  test('an order whose margin the free balance cannot pay is rejected, and leverage above the market’s is refused', () => {
    const e = engine([candle(0, '100', '100', '100', '100')]);
    // 21 BTC at 99.90 on 2x needs 1,048.95 of margin plus 1.04895 of fee: more than 1,000.
    expect(e.place(order({ quantity: fx('21'), leverage: 2 }), T0)).toMatchObject([{ kind: 'rejected', reason: 'insufficient balance: needs 1049.99895 USDT, has 1000' }]);
    expect(e.place(order({ leverage: 21 }), T0)).toMatchObject([{ kind: 'rejected', reason: "leverage: 21x is above this market's 20x" }]);
    expect(e.balances('acc').USDT).toEqual({ free: fx('1000'), locked: 0n });
  });

  test('one-way mode: a buy larger than the short closes it and opens a long at the fill price', () => {
    const e = engine([candle(0, '100', '100', '100', '100')]);
    e.place(order(), T0);
    e.place(order({ side: 'buy', quantity: fx('3') }), T0);
    // The short's 9.99 of margin is released; the long of 2 at 100.10 on 10x holds 20.02.
    expect(position(e)).toMatchObject({ position: { quantity: fx('2'), avgEntry: fx('100.1') }, margin: fx('20.02') });
    expect(e.balances('acc').USDT!.locked).toBe(fx('20.02'));
  });

  test('a snapshot keeps the positions: a restarted exchange liquidates the same way', () => {
    const replay = [candle(0, '100', '100', '100', '100'), candle(1, '105', '110', '104', '108')];
    const e = engine(replay);
    e.place(order(), T0);
    e.advance(T0);
    const again = engine(replay, structuredClone(e.snapshot()));
    expect(again.advance(T0 + 60_000).reports.map((r) => r.report.kind)).toEqual(['liquidation']);
  });
});
