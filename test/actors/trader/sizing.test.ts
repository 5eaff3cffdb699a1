import { describe, expect, test } from 'vitest';
import { sizeOrder } from '../../../actors/trader/sizing.js';
import type { Action, Signal } from '../../../actors/trading/signal.js';
import { fx, testMarket } from '../../helpers/trading.js';

const market = testMarket({ amountStep: fx('0.001') });
const price = fx('30000');
const notional = fx('100');

function size(action: Action, position: string, quantity?: string) {
  const signal: Signal = { id: 's', strategy: 'x', symbol: 'BTC/USDT', action, ts: 0 };
  if (quantity !== undefined) signal.quantity = fx(quantity);
  return sizeOrder(signal, market, fx(position), price, notional);
}

describe('sizeOrder', () => {
  test.each<[string, Action, string, string | undefined, 'buy' | 'sell', string]>([
    ['BUY buys the signal quantity, down to the lot', 'BUY', '0', '0.12345', 'buy', '0.123'],
    ['BUY without a quantity buys orderNotional worth at the price', 'BUY', '0', undefined, 'buy', '0.003'], // 100 / 30000 = 0.00333
    ['BUY adds to a long', 'BUY', '1', '0.5', 'buy', '0.5'],
    ['SELL sells the signal quantity', 'SELL', '1', '0.4', 'sell', '0.4'],
    ['SELL never sells more than is held', 'SELL', '0.5', '2', 'sell', '0.5'],
    ['SELL without a quantity sells the whole position', 'SELL', '0.75', undefined, 'sell', '0.75'],
    ['CLOSE sells a long', 'CLOSE', '1.2345', undefined, 'sell', '1.234'],
    ['CLOSE buys back a short', 'CLOSE', '-2', undefined, 'buy', '2'],
    ['CLOSE ignores the signal quantity', 'CLOSE', '2', '0.1', 'sell', '2'],
  ])('%s', (_, action, position, quantity, side, expected) => {
    expect(size(action, position, quantity)).toEqual({ ok: true, side, quantity: fx(expected) });
  });

  test.each<[string, Action, string, string | undefined, string]>([
    ['CLOSE with no position', 'CLOSE', '0', undefined, 'no position to close'],
    ['SELL with no position', 'SELL', '0', '1', 'nothing to sell (spot is long-only)'],
    ['SELL from a short', 'SELL', '-1', '1', 'nothing to sell (spot is long-only)'],
    ['BUY below one lot', 'BUY', '0', '0.0009', 'quantity rounds to zero at the lot size'],
    ['CLOSE of dust below one lot', 'CLOSE', '0.0004', undefined, 'quantity rounds to zero at the lot size'],
  ])('refuses %s', (_, action, position, quantity, reason) => {
    expect(size(action, position, quantity)).toEqual({ ok: false, reason });
  });

  test('an order notional too small for one lot at the price is refused', () => {
    const signal: Signal = { id: 's', strategy: 'x', symbol: 'BTC/USDT', action: 'BUY', ts: 0 };
    expect(sizeOrder(signal, market, 0n, fx('30000'), fx('29'))).toEqual({ ok: false, reason: 'quantity rounds to zero at the lot size' });
  });
});
