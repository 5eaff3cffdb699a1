import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { TraderEvent } from '../../../actors/trader/events.js';
import { abs, div, mul, type Fixed } from '../../../actors/trading/fixed.js';
import { unrealizedPnl } from '../../../actors/trading/position.js';
import { fx } from '../../helpers/trading.js';
import { TraderDesk } from '../../helpers/trader-desk.js';

const SOL = 'SOL/USDT:USDT';

const ofKind = <K extends TraderEvent['kind']>(desk: TraderDesk, kind: K) => desk.events.filter((e): e is Extract<TraderEvent, { kind: K }> => e.kind === kind);
const wallet = (desk: TraderDesk) => desk.onExchange('USDT');

describe('a trader on a perpetual', () => {
  test('a SELL with no position opens a short where the trader allows shorts, at its leverage, and gains when the price falls', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { allowShort: true, leverage: 5 } });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '10' });
    desk.settle();
    const position = desk.core.state.positions[SOL]!;
    expect(position.quantity).toBe(fx('-10'));
    // Nothing but the fee has left the wallet: the margin stays in it, locked on the exchange.
    const fee = ofKind(desk, 'fill')[0]!.fill.fee;
    expect(desk.core.state.balances.USDT).toBe(fx('10000') - fee);
    expect(desk.core.state.balances.SOL).toBeUndefined();
    expect(wallet(desk)).toBe(desk.core.state.balances.USDT);
    expect(desk.engine.positions('t')[SOL]).toMatchObject({ leverage: 5, mode: 'isolated', margin: mul(fx('10'), position.avgEntry) / 5n });
    // Equity is the wallet plus the short's unrealized P&L at the mark.
    for (let i = 0; i < 30; i++) desk.candle();
    const mark = desk.core.state.marks[SOL]!;
    expect(desk.core.equity()).toBe(desk.core.state.balances.USDT! + unrealizedPnl(position, mark));
    expect(desk.core.status().margins[SOL]).toMatchObject({ side: 'short', leverage: 5, mode: 'isolated', margin: mul(fx('10'), position.avgEntry) / 5n });
    expect(desk.core.status().margins[SOL]!.liquidationPrice! > position.avgEntry).toBe(true);
  });

  test('without allowShort a SELL only reduces a long, and goes out reduce-only', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { leverage: 2 } });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '1' });
    expect(ofKind(desk, 'signal.skipped').map((e) => e.reason)).toEqual(['nothing to sell (shorts need allowShort)']);
    desk.signal({ id: 's2', symbol: SOL, action: 'BUY', quantity: '2' });
    desk.settle();
    desk.signal({ id: 's3', symbol: SOL, action: 'SELL', quantity: '5' });
    const sent = desk.core.state.orders;
    expect(Object.values(sent).map((o) => [o.side, o.quantity, o.reduceOnly])).toEqual([['sell', fx('2'), true]]);
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
  });

  test('CLOSE flattens a short with a reduce-only buy, and the ledger books the P&L in the quote', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { allowShort: true, leverage: 3 } });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '4' });
    desk.settle();
    for (let i = 0; i < 10; i++) desk.candle();
    desk.signal({ id: 'c1', symbol: SOL, action: 'CLOSE' });
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    const [open, close] = ofKind(desk, 'fill');
    expect(close!.side).toBe('buy');
    const realized = mul(open!.fill.price - close!.fill.price, fx('4'));
    expect(desk.core.state.balances.USDT).toBe(fx('10000') + realized - open!.fill.fee - close!.fill.fee);
    expect(ofKind(desk, 'ledger').flatMap((l) => l.entries.map((e) => e.reason))).toEqual(['fee', 'pnl', 'fee']);
    expect(wallet(desk)).toBe(desk.core.state.balances.USDT);
    expect(desk.onExchange('USDT') - desk.engine.balances('t').USDT!.free).toBe(0n);
  });

  test('a position the exchange liquidates is booked as a filled order of the exchange, and reported', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { allowShort: true, leverage: 50 }, seed: 7 });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '10' });
    desk.settle();
    // At 50x a move of about 1.5 % against the short liquidates it; this seed's walk gets there in 80 candles.
    for (let i = 0; i < 1_000 && desk.position(SOL) !== 0n; i++) {
      desk.candle();
      desk.settle();
    }
    const [liquidation] = ofKind(desk, 'liquidation');
    expect(liquidation).toMatchObject({ symbol: SOL, side: 'buy', quantity: fx('10'), reason: expect.stringMatching(/^liquidated: high [\d.]+ reached the liquidation price/) });
    const fill = ofKind(desk, 'fill').at(-1)!;
    expect(fill).toMatchObject({ clientOrderId: expect.stringMatching(/^liquidation-T\d+$/), side: 'buy', position: { quantity: 0n } });
    expect(ofKind(desk, 'order').at(-1)!.order).toMatchObject({ clientOrderId: fill.clientOrderId, status: 'filled', reduceOnly: true });
    expect(desk.core.state.orders).toEqual({});
    // The trader's ledger is the exchange's wallet, to the unit: about the margin is lost.
    expect(wallet(desk)).toBe(desk.core.state.balances.USDT);
    const margin = mul(fx('10'), ofKind(desk, 'fill')[0]!.fill.price) / 50n;
    expect(fx('10000') - desk.core.state.balances.USDT! >= margin).toBe(true);
  });

  test('pre-trade: leverage above the limit and a liquidation price too near the mark are refused', () => {
    const desk = new TraderDesk({ symbols: [SOL], balances: { USDT: '1000' }, swap: { allowShort: true, leverage: 20 }, limits: { maxLeverage: fx('3'), minLiquidationDistance: fx('0.1') } });
    // 22 SOL at about 180: about 4x the equity in notional.
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '22' });
    // 2x in notional, but at 20x isolated it would be liquidated about 4.5 % above.
    desk.signal({ id: 's2', symbol: SOL, action: 'SELL', quantity: '5' });
    expect(ofKind(desk, 'signal.skipped').map((e) => e.reason)).toEqual([
      expect.stringMatching(/^leverage would be 3\.9\d*x, above the limit 3x$/),
      expect.stringMatching(/^liquidation price would be 4\.\d+% from the mark, nearer than the limit 10%$/),
    ]);
    expect(desk.core.state.orders).toEqual({});
  });
});

/** One step of a random session on a perpetual. */
type Step = { kind: 'buy' | 'sell'; quantity: string } | { kind: 'close' | 'candle' | 'toExchange' | 'toTrader' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('buy' as const, 'sell' as const), quantity: fc.integer({ min: 1, max: 3000 }).map((n) => (n / 100).toString()) }),
  fc.record({ kind: fc.constantFrom('close' as const, 'candle' as const, 'toExchange' as const, 'toTrader' as const) }),
);

describe('a trader on a perpetual, property', () => {
  test('after any session of longs, shorts, flips and closes, the ledger and the position are the exchange’s, to the unit', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), (steps, seed, leverage, cross) => {
        const desk = new TraderDesk({ symbols: [SOL], seed, swap: { allowShort: true, leverage, marginMode: cross ? 'cross' : 'isolated' } });
        let n = 0;
        for (const s of steps) {
          if ('quantity' in s) desk.signal({ id: `s${n++}`, symbol: SOL, action: s.kind.toUpperCase(), quantity: s.quantity });
          else if (s.kind === 'close') desk.signal({ id: `s${n++}`, symbol: SOL, action: 'CLOSE' });
          else if (s.kind === 'candle') desk.candle();
          else desk[s.kind](1);
        }
        desk.settle();
        const held: Fixed = desk.engine.positions('t')[SOL]?.position.quantity ?? 0n;
        expect(desk.position(SOL)).toBe(held);
        expect(desk.core.state.balances.USDT).toBe(wallet(desk));
        expect(desk.core.state.balances.SOL).toBeUndefined();
        // With nothing in flight the exchange locks just the position's margin.
        const margin = desk.engine.positions('t')[SOL]?.margin ?? 0n;
        expect(desk.engine.balances('t').USDT!.locked).toBe(margin);
        if (held !== 0n) expect(abs(desk.core.state.positions[SOL]!.avgEntry - desk.engine.positions('t')[SOL]!.position.avgEntry)).toBe(0n);
      }),
      { numRuns: 200 },
    );
  });
});

describe('reports a perpetual trader refuses', () => {
  test('a liquidation of a position it does not hold, and funding of a market it does not trade, are invalid reports that change nothing', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { allowShort: true, leverage: 5 } });
    const liquidation = { kind: 'liquidation', clientOrderId: '', account: 't', symbol: SOL, side: 'buy', fill: { tradeId: 'T9', quantity: fx('1'), price: fx('200'), fee: 0n, feeAsset: 'USDT', liquidity: 'taker' }, ts: desk.now };
    const funding = { kind: 'funding', clientOrderId: '', account: 't', symbol: 'BTC/USDT:USDT', funding: { amount: fx('1'), rate: fx('0.0001') }, ts: desk.now };
    desk.core.onExecutions([liquidation, funding], desk.now);
    expect(desk.core.drain().events.map((e) => (e.kind === 'execution.invalid' ? e.reason : e.kind))).toEqual([
      `liquidation of 1 ${SOL} (buy) does not close the position held, 0`,
      'funding of BTC/USDT:USDT, which is no swap of this trader',
    ]);
    expect(desk.core.state.positions[SOL]).toBeUndefined();
    expect(desk.core.state.balances.USDT).toBe(fx('10000'));
  });
});

describe('funding on a perpetual trader', () => {
  test('is booked once: a payment at or before the last one booked is what a restart asks the exchange for again', () => {
    const desk = new TraderDesk({ symbols: [SOL], swap: { allowShort: true, leverage: 5 } });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '10' });
    desk.settle();
    const opened = desk.core.state.positions[SOL]!;
    // Asked from when the short opened, before any payment.
    expect(desk.core.heldSince()).toEqual({ [SOL]: opened.openedAt });
    const paid = (ts: number, amount: string) => ({ kind: 'funding', clientOrderId: '', account: 't', symbol: SOL, funding: { amount: fx(amount) }, ts });
    const before = desk.core.state.balances.USDT!;
    desk.core.onExecutions([paid(1_000, '0.5'), paid(1_000, '0.5'), paid(900, '0.25'), paid(2_000, '-0.125')], desk.now);
    expect(desk.core.state.positions[SOL]).toMatchObject({ funding: fx('0.375'), fundedTo: 2_000 });
    expect(desk.core.state.balances.USDT).toBe(before + fx('0.375'));
    expect(desk.core.heldSince()).toEqual({ [SOL]: 2_000 });
    expect(desk.core.drain().events.filter((e) => e.kind === 'funding')).toHaveLength(2);
  });
});

describe("a perpetual trader's exposure report", () => {
  test('carries each position’s margin ratio and its own: maintenance over the wallet plus unrealized P&L', () => {
    const desk = new TraderDesk({ symbols: [SOL, 'ETH/USDT:USDT'], swap: { allowShort: true, leverage: 10, marginMode: 'cross' } });
    desk.signal({ id: 's1', symbol: SOL, action: 'SELL', quantity: '10' });
    desk.signal({ id: 's2', symbol: 'ETH/USDT:USDT', action: 'BUY', quantity: '1' });
    desk.settle();
    desk.candle();
    const report = desk.core.exposure(desk.now);
    const { positions, marks, balances } = desk.core.state;
    let maintenance = 0n;
    let balance = balances.USDT!;
    for (const symbol of [SOL, 'ETH/USDT:USDT']) {
      const p = positions[symbol]!;
      maintenance += mul(mul(abs(p.quantity), marks[symbol]!), fx('0.005'));
      balance += unrealizedPnl(p, marks[symbol]!);
    }
    expect(report.marginRatio).toBe(div(maintenance, balance));
    expect(report.positions.map((p) => p.marginRatio !== undefined)).toEqual([true, true]);
  });
});
