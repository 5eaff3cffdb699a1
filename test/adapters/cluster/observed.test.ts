import { describe, expect, test } from 'vitest';
import { Observed } from '../../../adapters/cluster/observed.js';

describe('Observed', () => {
  test('an entry lives while its revision keeps changing, by the observer’s clock', () => {
    const leases = new Observed<{ node: string }>(1_000);
    leases.observe('t1', { node: 'a' }, 5, 0);
    expect(leases.alive('t1', 999)?.value).toEqual({ node: 'a' });
    // The same revision seen again (a watch replayed after a reconnect) does not make it younger.
    leases.observe('t1', { node: 'a' }, 5, 900);
    expect(leases.alive('t1', 1_000)).toBeUndefined();
    // Dead, it is still known, with the revision a take-over compares and sets on.
    expect(leases.get('t1')?.revision).toBe(5);
    leases.observe('t1', { node: 'b' }, 9, 1_500);
    expect(leases.alive('t1', 2_000)?.value).toEqual({ node: 'b' });
    expect([...leases.living(2_000)].map(([key]) => key)).toEqual(['t1']);
  });

  test('an older revision arriving late is ignored, and a delete forgets the entry', () => {
    const nodes = new Observed<string>(1_000);
    nodes.observe('n1', 'new', 7, 0);
    nodes.observe('n1', 'old', 6, 10);
    expect(nodes.get('n1')?.value).toBe('new');
    nodes.observe('n1', undefined, 8, 20);
    expect(nodes.get('n1')).toBeUndefined();
  });
});
