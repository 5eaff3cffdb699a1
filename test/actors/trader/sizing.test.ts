import { describe, expect, test } from 'vitest';
import { sizeExit, sizeOrder } from '../../../actors/trader/sizing.js';
import type { Action, Signal } from '../../../actors/trading/signal.js';
import { fx, testMarket } from '../../helpers/trading.js';

const market = testMarket({ amountStep: fx('0.001') });
const price = fx('30000');
const notional = fx('100');

function size(action: Exclude<Action, 'CLOSE'>, position: string, quantity?: string, selling = '0') {
  const signal: Signal = { id: 's', strategy: 'x', symbol: 'BTC/USDT', action, ts: 0 };
  if (quantity !== undefined) signal.quantity = fx(quantity);
  return sizeOrder(signal, market, { position: fx(position), selling: fx(selling) }, price, notional);
}

describe('sizeOrder', () => {
  test.each<[string, Exclude<Action, 'CLOSE'>, string, string | undefined, 'buy' | 'sell', string]>([
    ['BUY buys the signal quantity, down to the lot', 'BUY', '0', '0.123', 'buy', '0.123'],
    ['BUY without a quantity buys orderNotional worth at the price', 'BUY', '0', undefined, 'buy', '0.003'], // 100 / 30000 = 0.00333
    ['BUY adds to a long', 'BUY', '1', '0.5', 'buy', '0.5'],
    ['SELL sells the signal quantity', 'SELL', '1', '0.4', 'sell', '0.4'],
    ['SELL without a quantity sells the whole position', 'SELL', '0.75', undefined, 'sell', '0.75'],
  ])('%s', (_, action, position, quantity, side, expected) => {
    expect(size(action, position, quantity)).toEqual({ ok: true, side, quantity: fx(expected) });
  });

  test('SELL never sells more than is held, and says so', () => {
    expect(size('SELL', '0.5', '2')).toEqual({ ok: true, side: 'sell', quantity: fx('0.5'), note: 'sized down from 2 to 0.5: 0.5 held' });
  });

  test('SELL leaves out what live sell orders already promise', () => {
    expect(size('SELL', '1', '1', '0.7')).toEqual({ ok: true, side: 'sell', quantity: fx('0.3'), note: 'sized down from 1 to 0.3: 1 held, 0.7 of it in live sell orders' });
    expect(size('SELL', '1', undefined, '1')).toEqual({ ok: false, reason: 'nothing to sell: 1 held, all of it in live sell orders' });
  });

  test('rounding down to the lot is named', () => {
    expect(size('BUY', '0', '0.12345')).toEqual({ ok: true, side: 'buy', quantity: fx('0.123'), note: 'sized down from 0.12345; rounded down to the lot size 0.001' });
  });

  test.each<[string, Exclude<Action, 'CLOSE'>, string, string | undefined, string]>([
    ['SELL with no position', 'SELL', '0', '1', 'nothing to sell (spot is long-only)'],
    ['SELL from a short', 'SELL', '-1', '1', 'nothing to sell (spot is long-only)'],
    ['BUY below one lot', 'BUY', '0', '0.0009', 'quantity rounds to zero at the lot size'],
  ])('refuses %s', (_, action, position, quantity, reason) => {
    expect(size(action, position, quantity)).toEqual({ ok: false, reason });
  });

  test('an order notional too small for one lot at the price is refused', () => {
    const signal: Signal = { id: 's', strategy: 'x', symbol: 'BTC/USDT', action: 'BUY', ts: 0 };
    expect(sizeOrder(signal, market, { position: 0n, selling: 0n }, fx('30000'), fx('29'))).toEqual({ ok: false, reason: 'quantity rounds to zero at the lot size' });
  });
});

describe('sizeExit', () => {
  test('closes the whole filled position, down to the lot', () => {
    expect(sizeExit(market, fx('1.2345'), price)).toEqual({ ok: true, side: 'sell', quantity: fx('1.234') });
    expect(sizeExit(market, fx('-2'), price)).toEqual({ ok: true, side: 'buy', quantity: fx('2') });
  });

  test('dust below one lot is named as what cannot be traded', () => {
    const sizing = sizeExit(market, fx('0.0004'), price);
    expect(sizing.ok).toBe(false);
    expect(sizing.ok || sizing.reason).toMatch(/^0\.0004 BTC cannot be traded: below one lot/);
  });
});
