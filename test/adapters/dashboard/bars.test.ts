import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barOf } from '../../../adapters/dashboard/web/bars.js';

describe('a fill marker sits on its bar', () => {
  it('is the last bar that opened at or before the fill, and none before the first', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 1.1e9 }), (times, at) => {
        const bars = [...times].sort((a, b) => a - b);
        const naive = bars.filter((t) => t <= at).at(-1);
        expect(barOf(bars, at)).toBe(naive);
      }),
    );
    expect(barOf([], 5)).toBeUndefined();
  });
});
