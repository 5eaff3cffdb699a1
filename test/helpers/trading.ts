import { expect } from 'vitest';
import { TradingError, type TradingErrorCode } from '../../actors/trading/errors.js';
import { toFixed, type Fixed } from '../../actors/trading/fixed.js';
import type { Market } from '../../actors/trading/market.js';

/** A decimal literal as Fixed, so expectations read as the numbers they are: `fx('0.3')`. */
export function fx(value: string | number): Fixed {
  return toFixed(value, 'test');
}

/** Runs `fn`, which must throw a TradingError with `code`; returns it for further checks. */
export function tradingError(fn: () => unknown, code: TradingErrorCode): TradingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TradingError);
    expect((error as TradingError).code).toBe(code);
    return error as TradingError;
  }
  return expect.unreachable(`expected a TradingError ${code}`);
}

/** A spot market with round numbers; tests override what they exercise. */
export function testMarket(overrides: Partial<Market> = {}): Market {
  return {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    priceStep: fx('0.01'),
    amountStep: fx('0.001'),
    minAmount: fx('0.001'),
    minNotional: fx('5'),
    makerFee: fx('0.001'),
    takerFee: fx('0.002'),
    ...overrides,
  };
}
