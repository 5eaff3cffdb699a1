import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { placement } from '../../../adapters/cluster/placement.js';

/**
 * Every node applies its own placement, one after another, as their renewal steps interleave: a node
 * takes only what is still free when its turn comes (a compare-and-set), and gives away what it says.
 * Returns the owners once a round changes nothing, and the rounds it took.
 */
function settle(nodes: string[], traders: string[], owners: Map<string, string>): { owners: Map<string, string>; rounds: number } {
  for (let round = 1; round <= 10 * (traders.length + 1); round++) {
    let changed = false;
    for (const self of nodes) {
      const { take, give } = placement({ self, nodes, traders, owners });
      for (const trader of take) {
        if (owners.has(trader)) continue;
        owners.set(trader, self);
        changed = true;
      }
      if (give !== undefined) {
        expect(owners.get(give)).toBe(self);
        owners.delete(give);
        changed = true;
      }
    }
    if (!changed) return { owners, rounds: round };
  }
  throw new Error('placement did not settle');
}

const ids = (prefix: string, max: number) => fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: max }).map((ns) => ns.map((n) => `${prefix}${n}`));

describe('placement', () => {
  test('from any start, the live nodes settle on every trader owned once, in shares that differ by at most one', () => {
    fc.assert(
      fc.property(ids('n', 5), ids('t', 40), fc.array(fc.nat(), { maxLength: 40 }), (nodes, traders, picks) => {
        // A start with some traders already owned, some by nodes that are gone (their leases are dead: dropped).
        const owners = new Map<string, string>();
        traders.forEach((t, i) => picks[i] !== undefined && picks[i]! % (nodes.length + 1) < nodes.length && owners.set(t, nodes[picks[i]! % (nodes.length + 1)]!));
        const settled = settle(nodes, traders, owners).owners;
        expect([...settled.keys()].sort()).toEqual([...traders].sort());
        const shares = nodes.map((n) => [...settled.values()].filter((o) => o === n).length);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
  });

  test('a node that joins gets its share from the others, one trader per node and step', () => {
    const traders = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const { owners } = settle(['a', 'b'], traders, new Map());
    const before = new Map(owners);
    const first = placement({ self: 'a', nodes: ['a', 'b', 'c'], traders, owners });
    expect(first.take).toEqual([]);
    expect(first.give).toBeDefined();
    const after = settle(['a', 'b', 'c'], traders, owners).owners;
    expect(['a', 'b', 'c'].map((n) => [...after.values()].filter((o) => o === n).length)).toEqual([3, 3, 3]);
    // Only what had to move moved: a and b kept three each of theirs.
    expect([...after].filter(([t, o]) => before.get(t) === o)).toHaveLength(6);
  });

  test('a draining node (left out of the nodes) gives everything away and takes nothing', () => {
    const owners = new Map([
      ['t1', 'a'],
      ['t2', 'a'],
    ]);
    expect(placement({ self: 'a', nodes: ['b'], traders: ['t1', 't2', 't3'], owners })).toEqual({ take: [], give: 't1' });
  });
});
