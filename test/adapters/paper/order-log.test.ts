import { expect, test } from 'vitest';
import type { ExecutionReport } from '../../../actors/trading/exchange-protocol.js';
import { OrderLog } from '../../../adapters/paper/order-log.js';
import { fx } from '../../helpers/trading.js';

const report = (clientOrderId: string, kind: ExecutionReport['kind'], extra: Partial<ExecutionReport> = {}): ExecutionReport => ({
  kind,
  clientOrderId,
  account: 'a',
  symbol: 'BTC/USDT',
  ts: 1,
  ...extra,
});
const fill = (tradeId: string, quantity: string) => ({ tradeId, quantity: fx(quantity), price: fx('100'), fee: 0n, feeAsset: 'USDT', liquidity: 'maker' as const });

test('keeps every fill of an order in order, and how it ended', () => {
  const log = new OrderLog(10);
  log.record(report('o1', 'accepted', { exchangeOrderId: 'X1' }));
  log.record(report('o1', 'fill', { fill: fill('T1', '0.4') }));
  log.record(report('o1', 'fill', { fill: fill('T2', '0.1') }));
  log.record(report('o1', 'cancelled', { reason: 'cancelled on request' }));
  log.record(report('o2', 'rejected', { reason: 'insufficient balance' }));
  expect(log.get('o1')).toEqual({ clientOrderId: 'o1', known: true, status: 'cancelled', exchangeOrderId: 'X1', fills: [fill('T1', '0.4'), fill('T2', '0.1')], reason: 'cancelled on request' });
  expect(log.get('o2')).toMatchObject({ known: true, status: 'rejected', fills: [] });
  expect(log.get('o3')).toBeUndefined();
});

test('a duplicate report never creates an order, and only the latest orders are kept', () => {
  const log = new OrderLog(2);
  log.record(report('dup', 'duplicate'));
  expect(log.get('dup')).toBeUndefined();
  for (const id of ['a', 'b', 'c']) log.record(report(id, 'accepted'));
  expect([log.get('a'), log.get('b')?.clientOrderId, log.get('c')?.clientOrderId]).toEqual([undefined, 'b', 'c']);
});

test('past its capacity it forgets the oldest orders first, however many came since', () => {
  const log = new OrderLog(3);
  for (let i = 1; i <= 3_000; i++) {
    log.record(report(`o${i}`, 'accepted'));
    // A later report of a kept order does not make it newer.
    if (i > 1) log.record(report(`o${i - 1}`, 'fill', { fill: fill(`T${i}`, '1') }));
  }
  expect([2_997, 2_998, 2_999, 3_000].map((i) => log.get(`o${i}`)?.clientOrderId)).toEqual([undefined, 'o2998', 'o2999', 'o3000']);
  expect(log.get('o2999')!.fills).toHaveLength(1);
});
