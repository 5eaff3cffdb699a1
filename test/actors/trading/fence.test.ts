import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { fenceOrder, LeaseTable } from '../../../actors/trading/fence.js';
import { root } from '../../helpers/cli.js';

const order = (clientOrderId: string, replyTo = 'trader.t1') => ({ clientOrderId, account: 't1', replyTo, symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: 1n });

function table(): LeaseTable {
  const leases = LeaseTable.create(['trader.t1', 'trader.t2']);
  leases.grant('trader.t1', 7, 1_000);
  return leases;
}

describe('LeaseTable', () => {
  test('an order leaves under the generation held, until the lease’s deadline, judged when it leaves', () => {
    const leases = table();
    expect(leases.refuses('trader.t1', 7, 1_000)).toBeUndefined();
    expect(leases.refuses('trader.t1', 7, 1_001)).toBe('fenced: the lease on trader.t1 was not renewed in time');
    leases.grant('trader.t1', 7, 2_000);
    expect(leases.refuses('trader.t1', 7, 1_001)).toBeUndefined();
  });

  test('a stale generation, a trader this node does not hold (or no longer does), or one of no lease at all, is refused', () => {
    const leases = table();
    expect(leases.refuses('trader.t1', 6, 0)).toBe('fenced: lease generation 6 is stale (now 7)');
    expect(leases.refuses('trader.t2', 1, 0)).toBe('fenced: this node holds no lease on trader.t2');
    expect(leases.refuses('trader.t9', 1, 0)).toBe('fenced: this node holds no lease on trader.t9');
    leases.revoke('trader.t1');
    expect(leases.refuses('trader.t1', 7, 0)).toBe('fenced: this node holds no lease on trader.t1');
    // Held, but known lost (another node took it): refused at once.
    leases.grant('trader.t2', 3, -Infinity);
    expect(leases.refuses('trader.t2', 3, 1)).toBe('fenced: the lease on trader.t2 was not renewed in time');
  });

  test('orders sent without a generation (one process, no cluster) are not fenced', () => {
    expect(table().refuses('trader.t2', undefined, 5_000)).toBeUndefined();
  });

  test('another thread reads what this one writes, at once', async () => {
    const leases = table();
    const fence = pathToFileURL(join(root, '.test-dist/actors/trading/fence.js')).href;
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(${JSON.stringify(fence)}).then(({ LeaseTable }) => {
         const leases = new LeaseTable(workerData);
         parentPort.on('message', (now) => parentPort.postMessage(leases.refuses('trader.t1', 7, now) ?? 'may go'));
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
      leases.revoke('trader.t1');
      worker.postMessage(500);
      answers.push(await next());
    } finally {
      await worker.terminate();
    }
    expect(answers).toEqual(['may go', 'fenced: this node holds no lease on trader.t1']);
  });
});

describe('fenceOrder', () => {
  test('a refused order gets a rejection for its trader, made when it was refused', () => {
    expect(fenceOrder(table(), order('b', 'trader.t2'), 7, 50)).toEqual({
      replyTo: 'trader.t2',
      report: { kind: 'rejected', clientOrderId: 'b', account: 't1', symbol: 'BTC/USDT', reason: 'fenced: this node holds no lease on trader.t2', ts: 50 },
    });
    expect(fenceOrder(table(), order('a'), 7, 50)).toBeUndefined();
  });

  test('without a table (one process), or for an order without a usable replyTo, nothing is fenced: the exchange rejects the latter for what it lacks', () => {
    expect(fenceOrder(undefined, order('a', 'trader.t2'), 7, 50)).toBeUndefined();
    expect(fenceOrder(table(), { ...order('a'), replyTo: 42 }, 7, 50)).toBeUndefined();
  });
});
