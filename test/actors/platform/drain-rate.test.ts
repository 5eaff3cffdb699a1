import { describe, expect, test } from 'vitest';
import { DrainRates } from '../../../actors/platform/drain-rate.js';

describe('DrainRates', () => {
  test('knows no rate until two observations a second apart, then waits the excess off at it', () => {
    const rates = new DrainRates();
    expect(rates.observe('t', 100, 0)).toBeUndefined();
    expect(rates.waitSeconds('t', 10_000)).toBe(1);
    // Too close together to say anything yet.
    expect(rates.observe('t', 600, 400)).toBeUndefined();
    expect(rates.observe('t', 4_100, 2_000)).toBe(2_000);
    expect(rates.waitSeconds('t', 5_000)).toBe(3);
    expect(rates.waitSeconds('t', 1)).toBe(1);
    expect(rates.waitSeconds('t', 10_000_000)).toBe(60);
  });

  test('a mailbox that stopped draining, or a new one, gives no estimate but the shortest wait', () => {
    const rates = new DrainRates();
    rates.observe('t', 1_000, 0);
    expect(rates.observe('t', 1_000, 5_000)).toBe(0);
    expect(rates.waitSeconds('t', 500)).toBe(1);
    // Fewer acknowledged than before: the trader was removed and created again.
    expect(rates.observe('t', 10, 6_000)).toBeUndefined();
    expect(rates.waitSeconds('other', 500)).toBe(1);
  });
});
