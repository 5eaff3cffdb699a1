import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { LeaseTable, OrderFence } from '../../../actors/trading/fence.js';
import { root } from '../../helpers/cli.js';

const order = (clientOrderId: string, replyTo = 'trader.t1') => ({ clientOrderId, account: 't1', replyTo, symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: 1n });

function table(): LeaseTable {
  const leases = LeaseTable.create(['trader.t1', 'trader.t2']);
  leases.grant('trader.t1', 7, 1_000);
  return leases;
}

describe('LeaseTable', () => {
  test('an order leaves under the generation held, until the lease’s deadline; past it the lease is late until renewed', () => {
    const leases = table();
    expect(leases.refuses('trader.t1', 7)).toBeUndefined();
    expect(leases.lapsed('trader.t1', 1_000)).toBe(false);
    expect(leases.lapsed('trader.t1', 1_001)).toBe(true);
    leases.grant('trader.t1', 7, 2_000);
    expect(leases.lapsed('trader.t1', 1_001)).toBe(false);
  });

  test('a stale generation, a trader this node does not hold (or no longer does), one of no lease at all, or one known lost, is refused', () => {
    const leases = table();
    expect(leases.refuses('trader.t1', 6)).toBe('fenced: lease generation 6 is stale (now 7)');
    expect(leases.refuses('trader.t2', 1)).toBe('fenced: this node holds no lease on trader.t2');
    expect(leases.refuses('trader.t9', 1)).toBe('fenced: this node holds no lease on trader.t9');
    leases.revoke('trader.t1');
    expect(leases.refuses('trader.t1', 7)).toBe('fenced: this node holds no lease on trader.t1');
    // Held, but known lost (another node took it): refused at once, not waited on.
    leases.grant('trader.t2', 3, -Infinity);
    expect(leases.refuses('trader.t2', 3)).toBe('fenced: this node lost the lease on trader.t2');
  });

  test('orders sent without a generation (one process, no cluster) are not fenced', () => {
    expect(table().refuses('trader.t2', undefined)).toBeUndefined();
  });

  test('another thread reads what this one writes, at once', async () => {
    const leases = table();
    const fence = pathToFileURL(join(root, '.test-dist/actors/trading/fence.js')).href;
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(${JSON.stringify(fence)}).then(({ LeaseTable }) => {
         const leases = new LeaseTable(workerData);
         parentPort.on('message', (now) => parentPort.postMessage(leases.refuses('trader.t1', 7) ?? (leases.lapsed('trader.t1', now) ? 'late' : 'may go')));
         parentPort.postMessage('ready');
       });`,
      { eval: true, workerData: leases.shared },
    );
    const answers: string[] = [];
    const next = () => new Promise<string>((resolve) => worker.once('message', resolve));
    try {
      expect(await next()).toBe('ready');
      worker.postMessage(500);
      answers.push(await next());
      worker.postMessage(1_500);
      answers.push(await next());
      leases.revoke('trader.t1');
      worker.postMessage(500);
      answers.push(await next());
    } finally {
      await worker.terminate();
    }
    expect(answers).toEqual(['may go', 'late', 'fenced: this node holds no lease on trader.t1']);
  });
});

describe('OrderFence', () => {
  const fenced = (clientOrderId: string, reason: string, ts: number, replyTo = 'trader.t1') => ({
    replyTo,
    report: { kind: 'fenced', clientOrderId, account: 't1', symbol: 'BTC/USDT', reason, ts },
  });

  test('a refused order gets its fenced report, made when it was refused; one within its lease goes', () => {
    const fence = new OrderFence(table(), {});
    expect(fence.admit(order('b', 'trader.t2'), 7, 50)).toEqual(fenced('b', 'fenced: this node holds no lease on trader.t2', 50, 'trader.t2'));
    expect(fence.admit(order('a'), 7, 50)).toBe('go');
    expect(fence.holding).toBe(false);
  });

  test('past the deadline the trader’s orders wait, in order, and go once the lease is renewed: later ones wait behind them', () => {
    const leases = table();
    const lapsed = {};
    const fence = new OrderFence(leases, lapsed);
    expect(fence.admit(order('a'), 7, 1_500)).toBe('held');
    expect(fence.admit(order('b'), 7, 1_600)).toBe('held');
    // Another trader's orders are not held up.
    leases.grant('trader.t2', 2, 5_000);
    expect(fence.admit(order('x', 'trader.t2'), 2, 1_600)).toBe('go');
    expect(fence.release(1_700)).toEqual([]);
    // The held orders are plain data in the state the fence was given: they outlive the actor's thread.
    expect(lapsed).toEqual({ 'trader.t1': [{ order: order('a'), generation: 7 }, { order: order('b'), generation: 7 }] });
    leases.grant('trader.t1', 7, 3_000);
    // Renewed: a new order would go at once, but queues behind those held until they are released.
    expect(fence.admit(order('c'), 7, 1_800)).toBe('held');
    const released = fence.release(1_800);
    expect(released.map((held) => (held.order as { clientOrderId: string }).clientOrderId)).toEqual(['a', 'b', 'c']);
    expect(fence.holding).toBe(false);
    expect(released.map((held) => fence.admit(held.order, held.generation, 1_800))).toEqual(['go', 'go', 'go']);
  });

  test('held orders whose lease is then lost, or taken under a new generation, are fenced when judged again', () => {
    const leases = table();
    const fence = new OrderFence(leases, {});
    fence.admit(order('a'), 7, 1_500);
    leases.grant('trader.t2', 1, 1_000);
    fence.admit(order('x', 'trader.t2'), 1, 1_500);
    leases.revoke('trader.t1');
    leases.grant('trader.t2', 2, 9_000);
    const released = fence.release(1_600);
    expect(released.map((held) => fence.admit(held.order, held.generation, 1_600))).toEqual([
      fenced('a', 'fenced: this node holds no lease on trader.t1', 1_600),
      fenced('x', 'fenced: lease generation 1 is stale (now 2)', 1_600, 'trader.t2'),
    ]);
  });

  test('without a table (one process), without a generation, or for an order without a usable replyTo, nothing is fenced: the exchange rejects the latter for what it lacks', () => {
    expect(new OrderFence(undefined, {}).admit(order('a', 'trader.t2'), 7, 50)).toBe('go');
    expect(new OrderFence(table(), {}).admit(order('a', 'trader.t2'), undefined, 50)).toBe('go');
    expect(new OrderFence(table(), {}).admit({ ...order('a'), replyTo: 42 }, 7, 50)).toBe('go');
  });
});
