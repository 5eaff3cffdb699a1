import { describe, expect, test } from 'vitest';
import { fenceOrders, LeaseFence } from '../../../actors/trading/fence.js';

const order = (clientOrderId: string, replyTo = 'trader.t1', ts = 0) => ({ clientOrderId, account: 't1', replyTo, symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: 1n, ts });

describe('LeaseFence', () => {
  const fence = new LeaseFence();
  fence.update({ type: 'leases', grants: [{ owner: 'trader.t1', generation: 7, until: 1_000 }] });

  test('orders go out under the generation held, made until the lease runs out', () => {
    expect(fence.refuses('trader.t1', 7, 1_000)).toBeUndefined();
    expect(fence.refuses('trader.t1', 7, 1_001)).toMatch(/not renewed in time/);
  });

  test('an order is judged by when its trader made it, not by how long it waited in the exchange’s mailbox', () => {
    const { allowed, refused } = fenceOrders(fence, [order('made-in-time', 'trader.t1', 900), order('made-late', 'trader.t1', 1_100)], 7, 5_000);
    expect(allowed).toEqual([order('made-in-time', 'trader.t1', 900)]);
    expect(refused.map((r) => [r.report.clientOrderId, r.report.reason, r.report.ts])).toEqual([['made-late', 'fenced: the lease on trader.t1 was not renewed in time', 5_000]]);
  });

  test('a stale generation, or a trader whose lease this node does not hold, is refused', () => {
    expect(fence.refuses('trader.t1', 6, 0)).toMatch(/generation 6 is stale \(now 7\)/);
    expect(fence.refuses('trader.t2', 1, 0)).toMatch(/holds no lease on trader\.t2/);
  });

  test('orders sent without a generation (one process, no cluster) are not fenced', () => {
    expect(fence.refuses('trader.t2', undefined, 5_000)).toBeUndefined();
    expect(fenceOrders(fence, [order('a', 'trader.t2')], undefined, 5_000)).toEqual({ allowed: [order('a', 'trader.t2')], refused: [] });
  });

  test('each refused order gets a rejection for its trader; the others go on', () => {
    const later = new LeaseFence();
    later.update({ type: 'leases', grants: [{ owner: 'trader.t1', generation: 3, until: 100 }] });
    const { allowed, refused } = fenceOrders(later, [order('a'), order('b', 'trader.t9')], 3, 50);
    expect(allowed).toEqual([order('a')]);
    expect(refused).toEqual([{ replyTo: 'trader.t9', report: { kind: 'rejected', clientOrderId: 'b', account: 't1', symbol: 'BTC/USDT', reason: 'fenced: this node holds no lease on trader.t9', ts: 50 } }]);
  });

  test('a renewal that leaves a trader out revokes its lease', () => {
    const revoked = new LeaseFence();
    revoked.update({ type: 'leases', grants: [{ owner: 'trader.t1', generation: 3, until: 100 }] });
    revoked.update({ type: 'leases', grants: [] });
    expect(revoked.refuses('trader.t1', 3, 0)).toMatch(/holds no lease/);
  });
});
