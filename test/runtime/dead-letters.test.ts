import { describe, expect, test } from 'vitest';
import { DeadLetters, type DeadLetterKind } from '../../runtime/dead-letters.js';

const letter = (address: string, kind: DeadLetterKind, n: number) => ({
  address,
  kind,
  reason: `reason ${n}`,
  message: { type: 'tick', n },
});

describe('DeadLetters', () => {
  test('counts per kind and in total', () => {
    const letters = new DeadLetters();
    expect(letters.total).toBe(0);
    letters.add(letter('a', 'poison', 1));
    letters.add(letter('a', 'poison', 2));
    letters.add(letter('b', 'invalid', 3));
    letters.add(letter('c', 'unknown_address', 4));
    expect(letters.counts).toEqual({ poison: 2, invalid: 1, unknown_address: 1, actor_stopped: 0, not_cloneable: 0 });
    expect(letters.total).toBe(4);
  });

  test('add() returns the entry stamped with an ISO time', () => {
    const added = new DeadLetters().add({ ...letter('a', 'poison', 1), seq: 7, attempts: 3 });
    expect(added).toMatchObject({ address: 'a', kind: 'poison', seq: 7, attempts: 3, reason: 'reason 1' });
    expect(new Date(added.at).toISOString()).toBe(added.at);
  });

  test('keeps only the newest entries past its capacity, while counts keep all', () => {
    const letters = new DeadLetters(3);
    for (let n = 1; n <= 5; n++) letters.add(letter('a', n % 2 ? 'poison' : 'actor_stopped', n));
    expect(letters.list().map((l) => (l.message as { n: number }).n)).toEqual([5, 4, 3]);
    expect(letters.counts.poison).toBe(3);
    expect(letters.counts.actor_stopped).toBe(2);
    expect(letters.total).toBe(5);
  });

  test('list() is newest first, filtered by address and limited', () => {
    const letters = new DeadLetters();
    for (let n = 1; n <= 6; n++) letters.add(letter(n % 2 ? 'a' : 'b', 'invalid', n));
    const ns = (list: { message: unknown }[]) => list.map((l) => (l.message as { n: number }).n);
    expect(ns(letters.list())).toEqual([6, 5, 4, 3, 2, 1]);
    expect(ns(letters.list({ address: 'a' }))).toEqual([5, 3, 1]);
    expect(ns(letters.list({ address: 'b', limit: 2 }))).toEqual([6, 4]);
    expect(ns(letters.list({ limit: 1 }))).toEqual([6]);
    expect(letters.list({ address: 'nobody' })).toEqual([]);
  });

  test('list() returns at most 100 entries by default', () => {
    const letters = new DeadLetters();
    for (let n = 1; n <= 150; n++) letters.add(letter('a', 'poison', n));
    const list = letters.list();
    expect(list).toHaveLength(100);
    expect((list[0]!.message as { n: number }).n).toBe(150);
  });
});
