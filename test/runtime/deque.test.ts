import { describe, expect, test } from 'vitest';
import { Deque } from '../../runtime/deque.js';

/** Small seeded PRNG (mulberry32) so the model test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Deque', () => {
  test('an empty deque returns undefined from every read', () => {
    const d = new Deque<number>();
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
    expect(d.pop()).toBeUndefined();
    expect(d.peek()).toBeUndefined();
    expect(d.at(0)).toBeUndefined();
    expect(d.removeAt(0)).toBeUndefined();
    expect([...d]).toEqual([]);
  });

  test('push/shift is FIFO, unshift/pop work at the other ends', () => {
    const d = new Deque<string>();
    d.push('b');
    d.push('c');
    d.unshift('a');
    expect(d.length).toBe(3);
    expect(d.peek()).toBe('a');
    expect([...d]).toEqual(['a', 'b', 'c']);
    expect(d.pop()).toBe('c');
    expect(d.shift()).toBe('a');
    expect(d.shift()).toBe('b');
    expect(d.length).toBe(0);
  });

  test('at() indexes from the head and rejects out-of-range indexes', () => {
    const d = new Deque<number>();
    for (const n of [10, 20, 30]) d.push(n);
    expect(d.at(0)).toBe(10);
    expect(d.at(2)).toBe(30);
    expect(d.at(3)).toBeUndefined();
    expect(d.at(-1)).toBeUndefined();
  });

  test('removeAt() removes one item and keeps the order of the rest', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5; i++) d.push(i);
    expect(d.removeAt(2)).toBe(2);
    expect([...d]).toEqual([0, 1, 3, 4]);
    expect(d.removeAt(0)).toBe(0);
    expect(d.removeAt(2)).toBe(4);
    expect([...d]).toEqual([1, 3]);
    expect(d.removeAt(5)).toBeUndefined();
    expect(d.length).toBe(2);
  });

  test('grows past the initial capacity while the ring is wrapped around', () => {
    const d = new Deque<number>(16);
    // Move the head to the middle so that the next pushes wrap around the end of the buffer.
    for (let i = 0; i < 10; i++) d.push(-1);
    for (let i = 0; i < 10; i++) d.shift();
    for (let i = 0; i < 16; i++) d.push(i); // full and wrapped
    d.unshift(-1); // grows
    for (let i = 16; i < 40; i++) d.push(i); // grows again
    expect(d.length).toBe(41);
    expect([...d]).toEqual([-1, ...Array.from({ length: 40 }, (_, i) => i)]);
    expect(d.at(40)).toBe(39);
  });

  test('unshift on a fresh deque wraps the head to the end of the buffer', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 20; i++) d.unshift(i);
    expect([...d]).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(d.pop()).toBe(0);
    expect(d.shift()).toBe(19);
  });

  test('matches an array model over thousands of pseudo-random operations', () => {
    const random = mulberry32(42);
    const d = new Deque<number>(4);
    const model: number[] = [];
    let next = 0;
    let maxLength = 0;
    for (let step = 0; step < 5000; step++) {
      const r = random();
      // Biased towards growth in the first half, towards shrinking in the second.
      const growBias = step < 2500 ? 0.6 : 0.4;
      if (r < growBias / 2) {
        d.push(next);
        model.push(next++);
      } else if (r < growBias) {
        d.unshift(next);
        model.unshift(next++);
      } else if (r < growBias + 0.15) {
        expect(d.shift()).toBe(model.shift());
      } else if (r < growBias + 0.3) {
        expect(d.pop()).toBe(model.pop());
      } else {
        const index = Math.floor(random() * (model.length + 1)); // sometimes out of range
        const expected = index < model.length ? model.splice(index, 1)[0] : undefined;
        expect(d.removeAt(index)).toBe(expected);
      }
      maxLength = Math.max(maxLength, model.length);
      expect(d.length).toBe(model.length);
      expect(d.peek()).toBe(model[0]);
      const probe = Math.floor(random() * (model.length + 2)) - 1;
      expect(d.at(probe)).toBe(probe >= 0 ? model[probe] : undefined);
      if (step % 50 === 0) expect([...d]).toEqual(model);
    }
    expect([...d]).toEqual(model);
    expect(maxLength).toBeGreaterThan(64); // the test really exercised several growths
  });
});
