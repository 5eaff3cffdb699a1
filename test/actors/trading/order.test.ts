import { describe, expect, test } from 'vitest';
import { applyFill, isTerminal, transition, type Order, type OrderStatus } from '../../../actors/trading/order.js';
import { fx, tradingError } from '../../helpers/trading.js';

function order(status: OrderStatus = 'new', overrides: Partial<Order> = {}): Order {
  return {
    clientOrderId: 'v3abc',
    traderId: 't1',
    signalId: 's1',
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    quantity: fx('1'),
    price: fx('100'),
    reduceOnly: false,
    status,
    filled: 0n,
    filledNotional: 0n,
    fees: 0n,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

const STATUSES: OrderStatus[] = ['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'];
const LEGAL: [OrderStatus, OrderStatus][] = [
  ['new', 'open'],
  ['new', 'rejected'],
  ['open', 'partially_filled'],
  ['open', 'filled'],
  ['open', 'cancelled'],
  ['open', 'expired'],
  // Every further fill of a partially filled order is the same move again.
  ['partially_filled', 'partially_filled'],
  ['partially_filled', 'filled'],
  ['partially_filled', 'cancelled'],
  ['partially_filled', 'expired'],
];
const isLegal = (from: OrderStatus, to: OrderStatus) => LEGAL.some(([f, t]) => f === from && t === to);
const ILLEGAL = STATUSES.flatMap((from) => STATUSES.filter((to) => !isLegal(from, to)).map((to): [OrderStatus, OrderStatus] => [from, to]));

describe('transition', () => {
  test.each(LEGAL)('%s -> %s is legal', (from, to) => {
    const o = order(from);
    transition(o, to, 50);
    expect(o.status).toBe(to);
    expect(o.updatedAt).toBe(50);
  });

  // Guards the table itself: 7 x 7 moves, of which exactly the ten above are legal.
  test('every other move is illegal', () => {
    expect(ILLEGAL).toHaveLength(STATUSES.length ** 2 - LEGAL.length);
  });

  test.each(ILLEGAL)('%s -> %s throws ERR_ILLEGAL_TRANSITION and leaves the order as it was', (from, to) => {
    const o = order(from);
    const error = tradingError(() => transition(o, to, 50), 'ERR_ILLEGAL_TRANSITION');
    expect(error.message).toBe(`order v3abc: ${from} -> ${to} is not a legal transition`);
    expect(o.status).toBe(from);
    expect(o.updatedAt).toBe(1);
  });
});

test.each<[OrderStatus, boolean]>([
  ['new', false],
  ['open', false],
  ['partially_filled', false],
  ['filled', true],
  ['cancelled', true],
  ['rejected', true],
  ['expired', true],
])('isTerminal(%s) is %s', (status, terminal) => {
  expect(isTerminal(status)).toBe(terminal);
});

describe('applyFill', () => {
  test('a partial fill then the rest: partially_filled, then filled, with notional and fees summed', () => {
    const o = order('open');
    applyFill(o, fx('0.4'), fx('40'), fx('0.04'), 10);
    expect(o).toMatchObject({ status: 'partially_filled', filled: fx('0.4'), filledNotional: fx('40'), fees: fx('0.04'), updatedAt: 10 });
    applyFill(o, fx('0.6'), fx('60.6'), fx('0.0606'), 20);
    expect(o).toMatchObject({ status: 'filled', filled: fx('1'), filledNotional: fx('100.6'), fees: fx('0.1006'), updatedAt: 20 });
    expect(isTerminal(o.status)).toBe(true);
  });

  test('one fill of the whole quantity goes straight to filled', () => {
    const o = order('open');
    applyFill(o, fx('1'), fx('100'), 0n, 10);
    expect(o.status).toBe('filled');
  });

  const refused: [string, OrderStatus, bigint][] = [
    ['an overfill', 'partially_filled', fx('0.7')],
    ['a zero fill', 'open', 0n],
    ['a negative fill', 'open', fx('-0.1')],
    // The exchange must acknowledge an order before it can fill it.
    ['a fill of an order not yet acknowledged', 'new', fx('0.1')],
    ['a fill after a cancel', 'cancelled', fx('0.1')],
    ['a fill of a filled order', 'filled', fx('0.1')],
  ];
  test.each(refused)('refuses %s and changes nothing', (_, status, quantity) => {
    const o = order(status, status === 'partially_filled' ? { filled: fx('0.4'), filledNotional: fx('40'), fees: fx('0.04') } : {});
    const before = structuredClone(o);
    tradingError(() => applyFill(o, quantity, fx('70'), fx('0.07'), 99), 'ERR_ILLEGAL_TRANSITION');
    expect(o).toEqual(before);
  });
});
