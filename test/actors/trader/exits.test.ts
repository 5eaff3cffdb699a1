import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fixedToString, mul, type Fixed } from '../../../actors/trading/fixed.js';
import { sizeExit } from '../../../actors/trader/sizing.js';
import { fx } from '../../helpers/trading.js';
import { TraderDesk } from '../../helpers/trader-desk.js';

const SOL = 'SOL/USDT';

/** A desk holding `quantity` SOL, bought at the market and settled. */
function holding(quantity: string, options: ConstructorParameters<typeof TraderDesk>[0] = {}): TraderDesk {
  const desk = new TraderDesk({ balances: { USDT: '100000' }, ...options });
  desk.signal({ id: 'buy-in', symbol: SOL, action: 'BUY', quantity });
  desk.settle();
  expect(desk.position(SOL)).toBe(fx(quantity));
  return desk;
}

/** A limit price `pct` % away from the last mark, on the tick. */
function away(desk: TraderDesk, pct: number): string {
  const mark = desk.core.state.marks[SOL]!;
  return fixedToString(mul(mark, fx(1 + pct / 100)) / 10_000_000n * 10_000_000n);
}

function outcome(desk: TraderDesk, signalId: string) {
  return desk.events.find((e) => 'signalId' in e && e.signalId === signalId && e.kind.startsWith('signal.'));
}

function exits(desk: TraderDesk) {
  return desk.events.filter((e) => e.kind === 'exit');
}

describe('exits', () => {
  test('a resting BUY does not count as held: SELL, CLOSE and the emergency stop all go through (issue 18, defect 1)', () => {
    const desk = holding('19.258');
    desk.signal({ id: 'bid', symbol: SOL, action: 'BUY', quantity: '2', price: away(desk, -10) });
    desk.settle();
    expect(desk.core.state.orders).not.toEqual({});

    desk.signal({ id: 'sell', symbol: SOL, action: 'SELL', quantity: '7.975' });
    desk.settle();
    expect(outcome(desk, 'sell')).toMatchObject({ kind: 'signal.accepted', sized: { quantity: fx('7.975') } });
    expect(desk.position(SOL)).toBe(fx('11.283'));

    desk.signal({ id: 'close', symbol: SOL, action: 'CLOSE' });
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.core.state.orders).toEqual({});
    expect(exits(desk)).toMatchObject([{ outcome: 'flat', signalId: 'close' }]);
    expect(desk.onExchange('SOL')).toBe(0n);
  });

  test('the emergency stop flattens and halts with a resting BUY on the book', () => {
    const desk = holding('19.258');
    desk.signal({ id: 'bid', symbol: SOL, action: 'BUY', quantity: '2', price: away(desk, -10) });
    desk.settle();
    desk.intervene('emergency-stop');
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.core.state.orders).toEqual({});
    expect(desk.core.state.mode).toBe('halted');
    expect(desk.onExchange('SOL')).toBe(0n);
    expect(desk.engine.openOrders('t')).toEqual([]);
  });

  test('SELL sizes against what is held and not promised to live sells, and says when it sized down', () => {
    const desk = holding('5');
    desk.signal({ id: 'ask', symbol: SOL, action: 'SELL', quantity: '3', price: away(desk, 10) });
    desk.settle();
    desk.signal({ id: 'sell', symbol: SOL, action: 'SELL', quantity: '50' });
    desk.settle();
    expect(outcome(desk, 'sell')).toMatchObject({ kind: 'signal.accepted', quantity: fx('50'), sized: { quantity: fx('2'), note: 'sized down from 50 to 2: 5 held, 3 of it in live sell orders' } });
    desk.signal({ id: 'again', symbol: SOL, action: 'SELL' });
    expect(outcome(desk, 'again')).toMatchObject({ kind: 'signal.skipped', reason: 'nothing to sell: 3 held, all of it in live sell orders' });
  });

  test('CLOSE cancels a resting SELL competing for the quantity, then sells all that is held', () => {
    const desk = holding('4');
    desk.signal({ id: 'ask', symbol: SOL, action: 'SELL', quantity: '4', price: away(desk, 10) });
    desk.settle();
    desk.signal({ id: 'close', symbol: SOL, action: 'CLOSE' });
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    const ask = desk.events.findLast((e) => e.kind === 'order' && e.order.signalId === 'ask');
    expect(ask).toMatchObject({ order: { status: 'cancelled' } });
  });

  test('a partly filled resting SELL is cancelled and the rest of the position closed', () => {
    const desk = holding('1000', { balances: { USDT: '1000000' } });
    // A sell just above the market, larger than one level of the book: a candle fills one level of it.
    desk.signal({ id: 'ask', symbol: SOL, action: 'SELL', quantity: '900', price: away(desk, 0.01) });
    desk.settle();
    for (let i = 0; i < 50 && desk.core.state.orders[Object.keys(desk.core.state.orders)[0]!]?.status !== 'partially_filled'; i++) {
      desk.candle();
      desk.settle();
    }
    const ask = Object.values(desk.core.state.orders)[0]!;
    expect(ask.status).toBe('partially_filled');
    desk.intervene('close-positions', [SOL]);
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.onExchange('SOL')).toBe(0n);
  });

  test('an order awaiting review is dropped by the exit and can no longer be approved into a position', () => {
    const desk = new TraderDesk({ review: { above: fx('1') } });
    desk.hold(SOL, '3');
    desk.signal({ id: 'held', symbol: SOL, action: 'BUY', quantity: '1' });
    const [held] = desk.held;
    expect(held).toBeDefined();
    desk.intervene('emergency-stop');
    desk.settle();
    desk.verdict(held!, true);
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.events.findLast((e) => e.kind === 'order' && e.order.clientOrderId === held)).toMatchObject({ order: { status: 'rejected', reason: expect.stringMatching(/^superseded by an exit/) } });
  });

  test('a halt rejects what waits for review; an approval after it does not trade', () => {
    const desk = new TraderDesk({ review: { above: fx('1') } });
    desk.hold(SOL, '3');
    desk.signal({ id: 'held', symbol: SOL, action: 'BUY', quantity: '1' });
    const [held] = desk.held;
    desk.intervene('halt');
    desk.verdict(held!, true);
    desk.settle();
    expect(desk.position(SOL)).toBe(fx('3'));
    expect(desk.core.state.orders).toEqual({});
  });

  test('orders still in flight to the exchange are cancelled once it has them, then the position closes', () => {
    const desk = holding('6');
    desk.signal({ id: 'ask', symbol: SOL, action: 'SELL', quantity: '2', price: away(desk, 10) });
    desk.signal({ id: 'bid', symbol: SOL, action: 'BUY', quantity: '2', price: away(desk, -10) });
    // Neither has reached the exchange when the stop comes.
    desk.intervene('emergency-stop');
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.engine.openOrders('t')).toEqual([]);
    expect(desk.core.state.mode).toBe('halted');
  });

  test('a cancel lost on the way is asked again on the tick', () => {
    const desk = holding('6');
    desk.signal({ id: 'ask', symbol: SOL, action: 'SELL', quantity: '2', price: away(desk, 10) });
    desk.settle();
    desk.signal({ id: 'close', symbol: SOL, action: 'CLOSE' });
    desk.lose();
    desk.settle();
    expect(desk.engine.openOrders('t')).toHaveLength(1);
    expect(desk.position(SOL)).toBe(fx('6'));
    for (let i = 0; i < 10; i++) desk.tick();
    desk.settle();
    expect(desk.position(SOL)).toBe(0n);
    expect(desk.engine.openOrders('t')).toEqual([]);
  });

  test('a position below the exchange minimum is reported as unclosed, with the reason', () => {
    const desk = new TraderDesk();
    desk.hold(SOL, '0.01');
    desk.intervene('emergency-stop');
    desk.settle();
    expect(desk.core.state.unclosed[SOL]).toMatchObject({ quantity: fx('0.01'), reason: expect.stringMatching(/cannot be traded: notional below the market minimum/) });
    expect(exits(desk)).toMatchObject([{ outcome: 'unclosed', quantity: fx('0.01') }]);
  });
});

/** One step of a random trading session, between the trader, its exchange and the market. */
type Step =
  | { kind: 'buy' | 'sell'; quantity: string; limitPct?: number }
  | { kind: 'candle' | 'toExchange' | 'toTrader' | 'tick' }
  | { kind: 'verdict'; approved: boolean };

const quantity = fc.integer({ min: 1, max: 4000 }).map((n) => (n / 1000).toString());
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('buy' as const, 'sell' as const), quantity, limitPct: fc.option(fc.integer({ min: -30, max: 30 }).map((n) => n / 10), { nil: undefined }) }, { requiredKeys: ['kind', 'quantity'] }),
  fc.record({ kind: fc.constantFrom('candle' as const, 'toExchange' as const, 'toTrader' as const, 'tick' as const) }),
  fc.record({ kind: fc.constant('verdict' as const), approved: fc.boolean() }),
);

describe('the emergency stop, property', () => {
  test('after random orders in every state, an emergency stop leaves no position that could have been closed', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (steps, seed) => {
        const desk = new TraderDesk({ balances: { USDT: '20000' }, review: { sample: 0.3 }, seed });
        desk.hold(SOL, '5');
        let n = 0;
        for (const s of steps) {
          if (s.kind === 'buy' || s.kind === 'sell') {
            const signal: Record<string, unknown> = { id: `s${n++}`, symbol: SOL, action: s.kind.toUpperCase(), quantity: s.quantity };
            if (s.limitPct !== undefined) signal.price = away(desk, s.limitPct);
            desk.signal(signal);
          } else if (s.kind === 'verdict') {
            const [held] = desk.held;
            if (held) desk.verdict(held, s.approved);
          } else if (s.kind === 'candle') desk.candle();
          else if (s.kind === 'tick') desk.tick();
          else desk[s.kind](1);
        }
        desk.intervene('emergency-stop');
        // Reviews never come back; the market goes on while the exit works.
        for (let i = 0; i < 20 && (Object.keys(desk.core.state.exits).length > 0 || Object.keys(desk.core.state.orders).length > 0); i++) {
          desk.settle();
          desk.candle();
          desk.tick();
          desk.settle();
        }
        const left: Fixed = desk.position(SOL);
        const market = desk.engine.markets[0]!;
        expect(desk.core.state.exits).toEqual({});
        expect(desk.core.state.orders).toEqual({});
        expect(desk.engine.openOrders('t')).toEqual([]);
        expect(desk.core.state.mode).toBe('halted');
        // Flat, or what is left could not have been traded, and the trader says why.
        if (left !== 0n) {
          expect(sizeExit(market, left, desk.core.state.marks[SOL]!).ok).toBe(false);
          expect(desk.core.state.unclosed[SOL]?.quantity).toBe(left);
        }
        // The trader's ledger is the exchange's, to the unit.
        expect(desk.core.state.balances.SOL ?? 0n).toBe(desk.onExchange('SOL'));
      }),
      { numRuns: 200 },
    );
  });
});
