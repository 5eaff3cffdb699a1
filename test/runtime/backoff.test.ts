import { describe, expect, test } from 'vitest';
import { backoffDelay } from '../../runtime/backoff.js';

const noJitter = { initialMs: 50, maxMs: 10_000, jitter: 0 };

describe('backoffDelay', () => {
  test('the first retry has no delay', () => {
    expect(backoffDelay(0, noJitter)).toBe(0);
    expect(backoffDelay(0, { initialMs: 50, maxMs: 10_000, jitter: 0.5 }, () => 1)).toBe(0);
  });

  test('grows exponentially from initialMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, noJitter))).toEqual([50, 100, 200, 400, 800]);
  });

  test('is capped at maxMs', () => {
    expect(backoffDelay(8, noJitter)).toBe(6_400);
    expect(backoffDelay(9, noJitter)).toBe(10_000); // 12_800 uncapped
    expect(backoffDelay(100, noJitter)).toBe(10_000);
  });

  test('jitter spreads the delay between (1 - jitter) and (1 + jitter)', () => {
    const options = { initialMs: 100, maxMs: 10_000, jitter: 0.2 };
    expect(backoffDelay(3, options, () => 0)).toBe(320); // 400 * 0.8
    expect(backoffDelay(3, options, () => 1)).toBe(480); // 400 * 1.2
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
  });

  test('jitter never takes the delay over maxMs', () => {
    const options = { initialMs: 100, maxMs: 1_000, jitter: 0.2 };
    expect(backoffDelay(20, options, () => 1)).toBe(1_000);
    expect(backoffDelay(20, options, () => 0)).toBe(800);
  });

  test('uses Math.random by default and stays within the jitter bounds', () => {
    const options = { initialMs: 100, maxMs: 10_000, jitter: 0.2 };
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, options);
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(240);
    }
  });
});
