import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FixedColumn, NumberColumn } from '../../../adapters/backtest/columns.js';

describe('step columns', () => {
  test('a fixed-point column gives back every value pushed, past its capacity and past 64 bits', () => {
    const value = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (values, capacity) => {
        const column = new FixedColumn(capacity);
        for (const v of values) column.push(v);
        expect(Array.from(column.done())).toEqual(values);
      }),
    );
  });

  test('kept packed while every value fits in 64 bits', () => {
    const column = new FixedColumn(2);
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 5n]) column.push(v);
    expect(column.done()).toBeInstanceOf(BigInt64Array);
    column.push(2n ** 63n);
    expect(column.done()).toEqual([2n ** 63n - 1n, -(2n ** 63n), 5n, 2n ** 63n]);
  });

  test('number columns grow and keep their kind', () => {
    const times = new NumberColumn('float64', 1);
    const flags = new NumberColumn('uint8', 1);
    for (let i = 0; i < 100; i++) {
      times.push(1_700_000_000_000 + i * 60_000.5);
      flags.push(i % 3 === 0 ? 1 : 0);
    }
    expect(Array.from(times.done())).toEqual(Array.from({ length: 100 }, (_, i) => 1_700_000_000_000 + i * 60_000.5));
    expect(flags.done()).toBeInstanceOf(Uint8Array);
    expect(Array.from(flags.done())).toEqual(Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
  });
});
