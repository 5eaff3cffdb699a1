import { describe, expect, test } from 'vitest';
import { clientOrderId, idKey, SeenIds } from '../../../actors/trading/ids.js';

describe('clientOrderId', () => {
  test('is v3 and 16 hex digits: 18 characters, inside every exchange limit', () => {
    expect(clientOrderId('sma-btc', 'sig-1')).toMatch(/^v3[0-9a-f]{16}$/);
  });

  // Ids persist across restarts and upgrades; a changed hash would let a redelivered signal trade twice.
  test('is a fixed function of its inputs', () => {
    expect(clientOrderId('sma-btc', 'sig-1')).toBe('v312f01aac2700e878');
    expect(clientOrderId('sma-btc', 'sig-1')).toBe(clientOrderId('sma-btc', 'sig-1'));
  });

  test('differs across traders and across signals', () => {
    const ids = new Set([clientOrderId('a', 's1'), clientOrderId('b', 's1'), clientOrderId('a', 's2'), clientOrderId('b', 's2')]);
    expect(ids.size).toBe(4);
  });

  test('the two parts cannot run into each other', () => {
    expect(clientOrderId('ab', 'c')).not.toBe(clientOrderId('a', 'bc'));
  });

  test('no collisions over 10,000 signals of one trader', () => {
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => clientOrderId('t', `signal-${i}`)));
    expect(ids.size).toBe(10_000);
  });
});

test('idKey is a stable non-negative safe integer', () => {
  expect(idKey('abc')).toBe(941394850959935);
  for (const id of ['', 'x', 'a much longer identifier than most', '\u0000']) {
    expect(Number.isSafeInteger(idKey(id))).toBe(true);
    expect(idKey(id)).toBeGreaterThanOrEqual(0);
  }
});

describe('SeenIds', () => {
  const filled = (capacity: number, keys: number[]) => {
    const seen = new SeenIds(capacity);
    for (const key of keys) seen.add(key);
    return seen;
  };
  const present = (seen: SeenIds, keys: number[]) => keys.filter((k) => seen.has(k));

  test('remembers what it was given', () => {
    const seen = filled(4, [10, 20]);
    expect(present(seen, [10, 20, 30])).toEqual([10, 20]);
  });

  test('forgets the oldest when full', () => {
    const seen = filled(3, [1, 2, 3, 4]);
    expect(present(seen, [1, 2, 3, 4])).toEqual([2, 3, 4]);
    seen.add(5);
    expect(present(seen, [1, 2, 3, 4, 5])).toEqual([3, 4, 5]);
  });

  // A worker restart sends the snapshot through structured clone; the ring must come back in order.
  test.each([
    ['not yet full', [1, 2]],
    ['exactly full', [1, 2, 3]],
    ['wrapped around', [1, 2, 3, 4, 5]],
  ])('a snapshot %s restores the same ids and the same eviction order', (_, keys) => {
    const original = filled(3, keys);
    const restored = new SeenIds(3, structuredClone(original.snapshot()));
    expect(present(restored, [1, 2, 3, 4, 5])).toEqual(present(original, [1, 2, 3, 4, 5]));
    original.add(6);
    restored.add(6);
    expect(present(restored, [1, 2, 3, 4, 5, 6])).toEqual(present(original, [1, 2, 3, 4, 5, 6]));
  });

  test('restored into a smaller window, the newest ids survive', () => {
    const restored = new SeenIds(2, filled(4, [1, 2, 3, 4, 5]).snapshot());
    expect(present(restored, [1, 2, 3, 4, 5])).toEqual([4, 5]);
  });

  test('restored into a larger window, it keeps all and fills up before forgetting', () => {
    const restored = new SeenIds(4, filled(2, [1, 2, 3]).snapshot());
    restored.add(4);
    restored.add(5);
    expect(present(restored, [1, 2, 3, 4, 5])).toEqual([2, 3, 4, 5]);
  });

  describe('a large window, kept in segments', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const seen = filled(4_096, keys);

    test('remembers at least the last `capacity` ids and at most one segment more', () => {
      const remembered = present(seen, keys);
      expect(remembered.slice(-4_096)).toEqual(keys.slice(-4_096));
      expect(remembered.length).toBeGreaterThanOrEqual(4_096);
      expect(remembered.length).toBeLessThanOrEqual(4_096 + 256);
      expect(remembered[0]).toBe(keys.at(-remembered.length));
    });

    test('a snapshot shares its sealed segments and copies only the open one', () => {
      const snapshot = seen.snapshot();
      expect(snapshot.sealed.every((segment) => segment.buffer instanceof SharedArrayBuffer)).toBe(true);
      expect(snapshot.open.buffer).toBeInstanceOf(ArrayBuffer);
      expect(snapshot.open.length).toBeLessThan(256);
      // Later adds never write into a segment a snapshot holds.
      const before = snapshot.sealed.map((segment) => [...segment]);
      for (let k = 1; k <= 1_000; k++) seen.add(100_000 + k);
      expect(snapshot.sealed.map((segment) => [...segment])).toEqual(before);
      const restored = new SeenIds(4_096, structuredClone(snapshot));
      expect(present(restored, keys)).toEqual(present(filled(4_096, keys), keys));
    });
  });
});
