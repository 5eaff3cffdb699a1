import { describe, expect, test } from 'vitest';
import type { PreTradeLimits } from '../../../actors/risk/limits.js';
import { marginCheck, preTradeCheck, type PreTradeContext, type PreTradeOrder, type RateState } from '../../../actors/risk/pre-trade.js';
import { fx } from '../../helpers/trading.js';

function order(side: 'buy' | 'sell', quantity: string, price = '100'): PreTradeOrder {
  return { symbol: 'BTC/USDT', side, quantity: fx(quantity), price: fx(price) };
}

function context(overrides: Partial<PreTradeContext> = {}): PreTradeContext {
  return { mode: 'active', position: 0n, openOrders: 0, rate: { tokens: 100, at: 0 }, now: 0, ...overrides };
}

const check = (o: PreTradeOrder, limits: PreTradeLimits, overrides: Partial<PreTradeContext> = {}) => preTradeCheck(o, limits, context(overrides));

const limits: PreTradeLimits = { maxOrderNotional: fx('150'), maxPosition: fx('250'), maxOpenOrders: 3, maxOrdersPerSecond: 5 };

describe('preTradeCheck', () => {
  test('an order within every limit passes', () => {
    expect(check(order('buy', '1.5'), limits, { position: fx('1'), openOrders: 2 })).toBeUndefined();
  });

  test('no limits, no refusals', () => {
    expect(check(order('buy', '1000000'), {})).toBeUndefined();
  });

  test.each<[string, PreTradeOrder, Partial<PreTradeContext>, string]>([
    ['a halted trader refuses everything, even a reducing order', order('sell', '0.1'), { mode: 'halted', position: fx('1') }, 'trader is halted'],
    ['reduce-only refuses a buy from flat', order('buy', '0.1'), { mode: 'reduce-only' }, 'reduce-only: the order would not reduce the position'],
    ['reduce-only refuses adding to a long', order('buy', '0.1'), { mode: 'reduce-only', position: fx('1') }, 'reduce-only: the order would not reduce the position'],
    ['reduce-only refuses a sell that would flip a long', order('sell', '1.5'), { mode: 'reduce-only', position: fx('1') }, 'reduce-only: the order would not reduce the position'],
    ['the order notional', order('buy', '1.51'), {}, 'order notional 151 above the limit 150'],
    ['the position after a buy', order('buy', '1.5'), { position: fx('1.1') }, 'position would be 260, above the limit 250'],
    ['the position after a sell through zero', order('sell', '1.5'), { position: fx('-1.1') }, 'position would be 260, above the limit 250'],
    ['the open orders', order('buy', '0.1'), { openOrders: 3 }, '3 orders open, the limit is 3'],
  ])('%s', (_, o, overrides, reason) => {
    expect(check(o, limits, overrides)).toBe(reason);
  });

  test.each<[string, PreTradeOrder, Partial<PreTradeContext>]>([
    ['reduce-only lets a sell of part of a long through', order('sell', '0.5'), { mode: 'reduce-only', position: fx('1') }],
    ['reduce-only lets a buy back of a short through', order('buy', '1'), { mode: 'reduce-only', position: fx('-1') }],
    ['the order notional exactly at its limit', order('buy', '1.5'), {}],
    ['the position exactly at its limit', order('buy', '1.5'), { position: fx('1') }],
    // A position already over the limit (the price rose) may always be reduced.
    ['a reducing order when the position is already above the limit', order('sell', '1'), { position: fx('4') }],
  ])('passes %s', (_, o, overrides) => {
    expect(check(o, limits, overrides)).toBeUndefined();
  });

  test('the order notional is checked even for a reducing order', () => {
    expect(check(order('sell', '2'), limits, { position: fx('4') })).toBe('order notional 200 above the limit 150');
  });
});

describe('the order rate, a token bucket', () => {
  const perSecond: PreTradeLimits = { maxOrdersPerSecond: 2 };
  const at = (rate: RateState, now: number) => preTradeCheck(order('buy', '0.1'), perSecond, context({ rate, now }));

  test('allows a burst of its size, then refuses until tokens refill with time', () => {
    const rate: RateState = { tokens: 2, at: 0 };
    expect([at(rate, 0), at(rate, 0), at(rate, 0)]).toEqual([undefined, undefined, 'order rate above 2/s']);
    expect(at(rate, 250)).toBe('order rate above 2/s'); // half a token
    expect(at(rate, 500)).toBeUndefined(); // one token after 500 ms at 2/s
    expect(at(rate, 500)).toBe('order rate above 2/s');
  });

  test('an idle bucket refills only up to its burst size', () => {
    const rate: RateState = { tokens: 0, at: 0 };
    expect([at(rate, 60_000), at(rate, 60_000), at(rate, 60_000)]).toEqual([undefined, undefined, 'order rate above 2/s']);
  });

  // The trader starts with an empty bucket at time 0; the first order at wall-clock time fills it.
  test('a fresh trader state can trade at once', () => {
    expect(at({ tokens: 0, at: 0 }, Date.UTC(2025, 0, 1))).toBeUndefined();
  });

  test('an order refused for another reason takes no token', () => {
    const rate: RateState = { tokens: 1, at: 0 };
    expect(preTradeCheck(order('buy', '0.1'), perSecond, context({ rate, mode: 'halted' }))).toBe('trader is halted');
    expect(rate.tokens).toBe(1);
    expect(at(rate, 0)).toBeUndefined();
  });
});

describe('marginCheck', () => {
  const swapLimits: PreTradeLimits = { maxLeverage: fx('3'), minLiquidationDistance: fx('0.1') };

  test('passes within both limits, and without limits', () => {
    expect(marginCheck({ leverage: fx('3'), liquidationDistance: fx('0.1') }, swapLimits)).toBeUndefined();
    expect(marginCheck({ leverage: fx('100'), liquidationDistance: fx('0.001') }, {})).toBeUndefined();
  });

  test('refuses leverage above the limit, and a liquidation price nearer than the limit', () => {
    expect(marginCheck({ leverage: fx('3.5') }, swapLimits)).toBe('leverage would be 3.5x, above the limit 3x');
    expect(marginCheck({ leverage: fx('2'), liquidationDistance: fx('0.05') }, swapLimits)).toBe('liquidation price would be 5% from the mark, nearer than the limit 10%');
  });

  test('a position with no liquidation price (a long backed to zero) passes the distance', () => {
    expect(marginCheck({ leverage: fx('1') }, swapLimits)).toBeUndefined();
  });
});
