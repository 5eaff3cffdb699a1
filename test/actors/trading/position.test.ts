import { describe, expect, test } from 'vitest';
import { applyFillToPosition, emptyPosition, unrealizedPnl, type Position } from '../../../actors/trading/position.js';
import type { Side } from '../../../actors/trading/order.js';
import { fx } from '../../helpers/trading.js';

type Fill = [side: Side, quantity: string, price: string, fee: string, at?: number];

function after(...fills: Fill[]): Position {
  const position = emptyPosition('BTC/USDT');
  fills.forEach(([side, quantity, price, fee, at], i) => applyFillToPosition(position, side, fx(quantity), fx(price), fx(fee), at ?? i + 1));
  return position;
}

describe('applyFillToPosition', () => {
  test('buys average the entry by quantity; fees are counted against realized P&L', () => {
    expect(after(['buy', '1', '100', '0.1'], ['buy', '3', '200', '0.6'])).toEqual({
      symbol: 'BTC/USDT',
      quantity: fx('4'),
      avgEntry: fx('175'),
      realizedPnl: fx('-0.7'),
      fees: fx('0.7'),
      openedAt: 1,
    });
  });

  test('the average entry is rounded to 9 places', () => {
    expect(after(['buy', '1', '1', '0'], ['buy', '2', '2', '0']).avgEntry).toBe(fx('1.666666667'));
  });

  test('a partial close realizes (price - entry) * closed, net of both fees, and keeps the entry', () => {
    const p = after(['buy', '2', '100', '0.2'], ['sell', '0.5', '120', '0.06']);
    expect(p.realizedPnl).toBe(fx('9.74')); // 20 * 0.5 - 0.2 - 0.06
    expect(p.quantity).toBe(fx('1.5'));
    expect(p.avgEntry).toBe(fx('100'));
    expect(p.fees).toBe(fx('0.26'));
  });

  test('a loss on a close is negative', () => {
    expect(after(['buy', '1', '100', '0'], ['sell', '1', '90', '0']).realizedPnl).toBe(fx('-10'));
  });

  test('closing to zero clears the entry', () => {
    const p = after(['buy', '1', '100', '0'], ['sell', '1', '110', '0']);
    expect(p.quantity).toBe(0n);
    expect(p.avgEntry).toBe(0n);
    expect(p.realizedPnl).toBe(fx('10'));
  });

  test('a sell through zero closes the long and opens a short at the fill price', () => {
    const p = after(['buy', '1', '100', '0', 1], ['sell', '3', '90', '0.27', 7]);
    expect(p.realizedPnl).toBe(fx('-10.27')); // only the 1 long closed: (90 - 100) * 1, minus the fee
    expect(p.quantity).toBe(fx('-2'));
    expect(p.avgEntry).toBe(fx('90'));
    expect(p.openedAt).toBe(7);
  });

  test('a buy through zero closes the short and opens a long', () => {
    const p = after(['sell', '2', '50', '0'], ['buy', '3', '40', '0', 9]);
    expect(p.realizedPnl).toBe(fx('20')); // a short gains as the price falls
    expect(p.quantity).toBe(fx('1'));
    expect(p.avgEntry).toBe(fx('40'));
    expect(p.openedAt).toBe(9);
  });

  test('shorts average like longs', () => {
    const p = after(['sell', '1', '100', '0'], ['sell', '1', '110', '0']);
    expect(p.quantity).toBe(fx('-2'));
    expect(p.avgEntry).toBe(fx('105'));
  });
});

describe('unrealizedPnl', () => {
  test.each<[string, Fill, string, string]>([
    ['a long above entry', ['buy', '2', '100', '0'], '110', '20'],
    ['a long below entry', ['buy', '2', '100', '0'], '95.5', '-9'],
    ['a short above entry', ['sell', '2', '100', '0'], '110', '-20'],
    ['a short below entry', ['sell', '2', '100', '0'], '90', '20'],
  ])('%s', (_, fill, mark, pnl) => {
    expect(unrealizedPnl(after(fill), fx(mark))).toBe(fx(pnl));
  });

  test('a flat position has none', () => {
    expect(unrealizedPnl(after(['buy', '1', '100', '0'], ['sell', '1', '100', '0']), fx('500'))).toBe(0n);
  });
});
