import { describe, expect, test } from 'vitest';
import { decimal, enumerated, Quarantined, symbol, utc, type Notes } from '../../../migrate/data/rules.js';

const refused = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    if (error instanceof Quarantined) return `${error.field}: ${error.reason}`;
    throw error;
  }
  return 'accepted';
};

describe('the rules a v2 value must meet', () => {
  test('decimals keep their text; NaN, infinity, a wrong sign or beyond 1e15 are refused', () => {
    expect(decimal('0.00000001', 'quantity', 'positive')).toBe('0.00000001');
    expect(decimal('-0.5', 'fee', 'any')).toBe('-0.5');
    expect(decimal(null, 'price', 'positive', true)).toBeNull();
    expect(decimal('1000000000000000.00000000', 'quantity', 'positive')).toBe('1000000000000000.00000000');
    expect(refused(() => decimal('1000000000000000.00000001', 'quantity', 'positive'))).toBe("quantity: quantity 1000000000000000.00000001 is beyond v3's range (|x| <= 1e15)");
    expect(refused(() => decimal('-9999999999999999', 'pnl', 'any'))).toBe("pnl: pnl -9999999999999999 is beyond v3's range (|x| <= 1e15)");
    expect(refused(() => decimal('Infinity', 'price', 'positive'))).toBe('price: price is Infinity');
    expect(refused(() => decimal('0.0000', 'price', 'positive'))).toBe('price: price is 0');
    expect(refused(() => decimal('-1', 'free', 'non-negative'))).toBe('free: free -1 is negative');
    expect(refused(() => decimal(null, 'quantity', 'positive'))).toBe('quantity: quantity is NULL');
  });

  test('times become UTC; no time is refused', () => {
    expect(utc('2024-01-01 00:00:37.123456', 'created_at')).toBe('2024-01-01 00:00:37.123456+00');
    expect(refused(() => utc('-infinity', 'created_at'))).toBe('created_at: created_at "-infinity" is not a time');
    expect(refused(() => utc('0044-03-15 00:00:00 BC', 'created_at'))).toBe('created_at: created_at "0044-03-15 00:00:00 BC" is not a time');
  });

  test('symbols are unified; enumerations forgive case with a note', () => {
    expect(symbol('BTCUSDT', 'symbol')).toBe('BTC/USDT');
    expect(symbol('DOGE-USDT', 'symbol')).toBe('DOGE/USDT');
    expect(symbol('ETHBTC', 'symbol')).toBe('ETH/BTC');
    expect(refused(() => symbol('XYZ', 'symbol'))).toBe('symbol: symbol "XYZ" is not a symbol v3 can read as BASE/QUOTE');
    const notes: Notes = [];
    const sides = { buy: 'BUY', sell: 'SELL' };
    expect(enumerated('buy', 'side', sides, (k) => k, notes)).toBe('BUY');
    expect(notes).toEqual([]);
    expect(enumerated(' Sell', 'side', sides, (k) => k, notes)).toBe('SELL');
    expect(notes).toEqual([{ field: 'side', note: '" Sell" read as "sell"' }]);
    expect(refused(() => enumerated('hold', 'side', sides, (k) => k, []))).toBe('side: side "hold" is not one of buy, sell');
  });
});
