import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { abs, mul, ONE } from '../../../actors/trading/fixed.js';
import { fundingPayment, initialMargin, liquidationPrice, marginRatio } from '../../../actors/trading/margin.js';
import { fx } from '../../helpers/trading.js';

describe('margin of a linear perpetual', () => {
  test('the worked example: 1 BTC long at 100,000 on 10x isolated, 0.5 % maintenance', () => {
    const margin = initialMargin(fx('1'), fx('100000'), 10);
    expect(margin).toBe(fx('10000'));
    expect(liquidationPrice(fx('1'), fx('100000'), margin, fx('0.005'))).toBe(fx('90452.261306533'));
    // A short's is above its entry: (100,000 + 10,000) / 1.005.
    expect(liquidationPrice(fx('-1'), fx('100000'), margin, fx('0.005'))).toBe(fx('109452.736318408'));
  });

  test('a long its collateral covers to zero has no liquidation price; a flat position neither', () => {
    expect(liquidationPrice(fx('1'), fx('100'), fx('100'), fx('0.005'))).toBeUndefined();
    expect(liquidationPrice(0n, fx('100'), fx('10'), fx('0.005'))).toBeUndefined();
  });

  test('longs pay a positive funding rate to shorts', () => {
    expect(fundingPayment(fx('2'), fx('100'), fx('0.0001'))).toBe(-fx('0.02'));
    expect(fundingPayment(fx('-2'), fx('100'), fx('0.0001'))).toBe(fx('0.02'));
    expect(fundingPayment(fx('-2'), fx('100'), -fx('0.0001'))).toBe(-fx('0.02'));
  });

  test('property: at the liquidation price the margin ratio is 1, and 1 % on the safe side it is below', () => {
    // Positions worth 10 or more of the quote: below that, rounding to 10^-9 is a visible share of the margin.
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1_000n, max: 10n ** 12n }), // |quantity|, 10^-6 .. 1,000 units
        fc.boolean(),
        fc.bigInt({ min: ONE / 100n, max: 10n ** 15n }), // entry, 0.01 .. 1,000,000
        fc.integer({ min: 1, max: 125 }),
        fc.bigInt({ min: ONE / 1000n, max: ONE / 20n }), // maintenance 0.1 % .. 5 %
        (size, long, entry, leverage, rate) => {
          fc.pre(mul(size, entry) >= 10n * ONE);
          // Venues keep leverage below 1 / maintenance: at or above it a position is liquidated as it opens.
          fc.pre(rate * BigInt(leverage) < ONE / 2n);
          const quantity = long ? size : -size;
          const collateral = initialMargin(quantity, entry, leverage);
          const liquidation = liquidationPrice(quantity, entry, collateral, rate);
          if (liquidation === undefined) return long && leverage === 1;
          expect(long ? liquidation < entry : liquidation > entry).toBe(true);
          const ratio = marginRatio(quantity, entry, collateral, liquidation, rate);
          // Exact up to the rounding of the price to 10^-9, which moves the balance left by |quantity| 10^-9.
          expect(abs(ratio - ONE) <= ONE / 1000n).toBe(true);
          const safer = long ? liquidation + liquidation / 100n : liquidation - liquidation / 100n;
          expect(marginRatio(quantity, entry, collateral, safer, rate) < ONE).toBe(true);
          return true;
        },
      ),
    );
  });
});
