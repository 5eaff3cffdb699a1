import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ReviewPolicy } from '../../../actors/trader/args.js';
import { TraderCore } from '../../../actors/trader/core.js';
import { fixedToString, toFixed } from '../../../actors/trading/fixed.js';
import { idKey } from '../../../actors/trading/ids.js';
import { PAPER_MARKETS } from '../../../adapters/paper/markets.js';
import { testTraderArgs, TraderDesk } from '../../helpers/trader-desk.js';

/** The trader's review rules, on the pipeline itself: no threads, every effect read from `drain()`. */
const ETH = PAPER_MARKETS.find((m) => m.symbol === 'ETH/USDT')!;

function trader(review: Partial<ReviewPolicy>): TraderCore {
  const core = new TraderCore(testTraderArgs([ETH], { USDT: toFixed(100_000, 'b') }, review), 'trader.t', undefined);
  const p = toFixed(2_000, 'p');
  core.onCandles([{ symbol: 'ETH/USDT', timeframe: '1m', ts: 0, open: p, high: p, low: p, close: p, volume: 1n }], 0);
  core.drain();
  return core;
}

/** Sends a signal; returns whether its order was held for review, and why. */
function signal(core: TraderCore, id: string, action: 'BUY' | 'SELL', price: number): { held: boolean; because: string[]; clientOrderId: string } {
  core.onSignal({ id, strategy: 'api', symbol: 'ETH/USDT', action, quantity: '0.1', price: String(price) }, id, 0);
  const { orders, reviews } = core.drain();
  const held = reviews[0];
  return { held: held !== undefined, because: held?.because ?? [], clientOrderId: held?.order.clientOrderId ?? orders[0]!.clientOrderId };
}

function fill(core: TraderCore, clientOrderId: string, price: number, tradeId: string): void {
  const base = { clientOrderId, account: 't', symbol: 'ETH/USDT', ts: 0 };
  core.onExecutions(
    [
      { ...base, kind: 'accepted', exchangeOrderId: `x-${tradeId}` },
      { ...base, kind: 'fill', fill: { tradeId, quantity: toFixed('0.1', 'q'), price: toFixed(price, 'p'), fee: 0n, feeAsset: 'USDT', liquidity: 'taker' } },
    ],
    0,
  );
  core.drain();
}

describe('review policy', () => {
  test('after N losing closes in a row every order is reviewed, until a winning close', async () => {
    const core = trader({ afterLosses: 2 });
    /** Buys at 2,000 and sells at `exit`; a held order is approved first, as the reviewer would. */
    const roundTrip = (n: number, exit: number) =>
      ([['BUY', 2_000], ['SELL', exit]] as const).map(([action, price]) => {
        const sent = signal(core, `${action}-${n}`, action, price);
        if (sent.held) {
          core.onVerdict({ clientOrderId: sent.clientOrderId, approved: true, reason: 'ok', by: 'ai', flagged: false, opinions: [] }, 0);
          core.drain();
        }
        fill(core, sent.clientOrderId, price, `${action}-${n}`);
        return sent;
      });
    expect(roundTrip(1, 1_900).map((s) => s.held)).toEqual([false, false]);
    expect(roundTrip(2, 1_900).map((s) => s.held)).toEqual([false, false]);
    expect(core.state.losses).toBe(2);
    const held = roundTrip(3, 2_100);
    expect(held).toMatchObject([{ held: true, because: ['after 2 losing closes in a row'] }, { held: true }]);
    expect(core.state.losses).toBe(0);
    expect(signal(core, 'after-win', 'BUY', 2_000).held).toBe(false);
  });

  test('a sample picks the same signals every time, by id, and about the share asked', () => {
    const picked = (core: TraderCore) => Array.from({ length: 400 }, (_, i) => signal(core, `sig-${i}`, 'BUY', 1_000).held);
    const first = picked(trader({ sample: 0.25 }));
    expect(picked(trader({ sample: 0.25 }))).toEqual(first);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.32);
    expect(first.map((held, i) => held === idKey(`sig-${i}`) / 2 ** 53 < 0.25).every(Boolean)).toBe(true);
  });

  test('nothing is held when no rule asks: the order goes straight to the exchange', () => {
    expect(signal(trader({}), 'x', 'BUY', 2_000).held).toBe(false);
    expect(signal(trader({ all: true }), 'y', 'BUY', 2_000)).toMatchObject({ held: true, because: ['all orders'] });
  });
});

describe('discarded events', () => {
  test('a trader that keeps no events trades exactly as one that does, and hands out none', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('signal' as const), action: fc.constantFrom('BUY', 'SELL', 'CLOSE'), quantity: fc.constantFrom(undefined, '0.5', '3'), limit: fc.boolean() }),
      fc.constantFrom({ kind: 'candle' as const }, { kind: 'exchange' as const }, { kind: 'trader' as const }, { kind: 'stop' as const }),
    );
    let kept = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const desks = [new TraderDesk({ balances: { USDT: '10000' } }), new TraderDesk({ balances: { USDT: '10000' } })] as const;
        desks[1].core.discardEvents();
        steps.forEach((s, i) => {
          for (const desk of desks) {
            if (s.kind === 'signal') {
              const price = s.limit ? fixedToString(desk.core.state.marks['SOL/USDT']!) : undefined;
              desk.signal({ id: `s${i}`, symbol: 'SOL/USDT', action: s.action, ...(s.quantity && { quantity: s.quantity }), ...(price && { price }) });
            } else if (s.kind === 'candle') desk.candle();
            else if (s.kind === 'exchange') desk.toExchange(1);
            else if (s.kind === 'trader') desk.toTrader(1);
            else desk.intervene('emergency-stop');
          }
        });
        for (const desk of desks) desk.settle();
        expect(desks[1].events).toEqual([]);
        kept += desks[0].events.length;
        expect(desks[1].core.state).toEqual(desks[0].core.state);
        expect(desks[1].engine.balances('t')).toEqual(desks[0].engine.balances('t'));
      }),
      { numRuns: 200 },
    );
    expect(kept).toBeGreaterThan(0);
  });
});

describe('orders that never left', () => {
  test('a fenced order stays new and says so: the trader’s next owner sends it', () => {
    const core = trader({});
    const { clientOrderId } = signal(core, 'f1', 'BUY', 2_000);
    core.onExecutions([{ kind: 'fenced', clientOrderId, account: 't', symbol: 'ETH/USDT', reason: 'fenced: this node holds no lease on trader.t', ts: 0 }], 1);
    const { events, orders } = core.drain();
    expect(orders).toEqual([]);
    expect(events).toEqual([{ kind: 'order.fenced', clientOrderId, reason: 'fenced: this node holds no lease on trader.t', at: 1 }]);
    expect(core.state.orders[clientOrderId]?.status).toBe('new');
  });

  test('at reconciliation, an unknown new order is sent again while young (through the reviewer when the trader reviews), and rejected when old or halted', () => {
    const unknown = (clientOrderId: string) => ({ clientOrderId, known: false, fills: [] });
    const young = trader({});
    const a = signal(young, 'r1', 'BUY', 2_000).clientOrderId;
    young.onReconciled([unknown(a)], 60_000);
    expect(young.drain().orders.map((o) => o.clientOrderId)).toEqual([a]);
    expect(young.state.orders[a]?.status).toBe('new');

    const old = trader({});
    const b = signal(old, 'r2', 'BUY', 2_000).clientOrderId;
    old.onReconciled([unknown(b)], 60_001);
    expect(old.drain().orders).toEqual([]);
    expect(old.state.orders[b]).toBeUndefined();

    // A trader that reviews asks for a review first: the order may have been held for one when it stopped.
    const reviewed = trader({ sample: 0.000001 });
    const c = signal(reviewed, 'r3', 'BUY', 2_000).clientOrderId;
    reviewed.state.orders[c]!.strategy = 'macd';
    reviewed.onReconciled([unknown(c)], 1);
    const held = reviewed.drain();
    expect(held.orders).toEqual([]);
    expect(held.reviews.map((r) => [r.order.clientOrderId, r.strategy, r.because])).toEqual([[c, 'macd', ['never reached the exchange before the trader restarted']]]);
    reviewed.onVerdict({ clientOrderId: c, approved: true, reason: 'fine', by: 'ai', flagged: false, opinions: [] }, 2);
    expect(reviewed.drain().orders.map((o) => o.clientOrderId)).toEqual([c]);

    const halted = trader({});
    const d = signal(halted, 'r4', 'BUY', 2_000).clientOrderId;
    halted.onIntervention({ type: 'intervene', action: 'halt', reason: 'test' }, 'h', 1);
    halted.drain();
    halted.onReconciled([unknown(d)], 1);
    expect(halted.drain().orders).toEqual([]);
  });
});
