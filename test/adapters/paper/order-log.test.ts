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
