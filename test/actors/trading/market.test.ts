import { describe, expect, test } from 'vitest';
import { roundAmount, roundPrice, sizeProblem } from '../../../actors/trading/market.js';
import { fx, testMarket } from '../../helpers/trading.js';

const market = testMarket({ amountStep: fx('0.001'), minAmount: fx('0.01'), minNotional: fx('5'), priceStep: fx('0.5') });

describe('sizeProblem', () => {
  test.each([
    ['0', '100', 'quantity must be positive'],
    ['-1', '100', 'quantity must be positive'],
    ['0.009', '1000', 'quantity below the market minimum'],
    ['0.01', '499.5', 'notional below the market minimum'],
  ])('%s at %s: %s', (amount, price, problem) => {
    expect(sizeProblem(market, fx(amount), fx(price))).toBe(problem);
  });

  test('exactly the minimum amount at exactly the minimum notional is fine', () => {
    expect(sizeProblem(market, fx('0.01'), fx('500'))).toBeUndefined();
  });
});

describe('rounding to the market', () => {
  // Never trade more than asked.
  test.each([
    ['1.2349', '1.234'],
    ['0.0009', '0'],
    ['2', '2'],
  ])('roundAmount(%s) = %s, down to the lot', (amount, rounded) => {
    expect(roundAmount(market, fx(amount))).toBe(fx(rounded));
  });

  test.each([
    ['100.2', '100'],
    ['100.3', '100.5'],
    ['100.25', '100'],
    ['100.75', '101'],
  ])('roundPrice(%s) = %s, half to even on the tick', (price, rounded) => {
    expect(roundPrice(market, fx(price))).toBe(fx(rounded));
  });
});
