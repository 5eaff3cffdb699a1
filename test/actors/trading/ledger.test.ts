import { describe, expect, test } from 'vitest';
import { bookFill, move, type Balances } from '../../../actors/trading/ledger.js';
import type { Side } from '../../../actors/trading/order.js';
import { fx } from '../../helpers/trading.js';

function fill(side: Side, quantity: string, price: string, fee: string) {
  return { base: 'BTC', quote: 'USDT', side, quantity: fx(quantity), price: fx(price), fee: fx(fee), ref: 'T1', at: 5 };
}

describe('bookFill', () => {
  test('a buy takes base in, quote out, then the fee out, each entry with the running balance', () => {
    const balances: Balances = { USDT: fx('1000') };
    expect(bookFill(balances, fill('buy', '2', '100', '0.2'))).toEqual([
      { asset: 'BTC', delta: fx('2'), balance: fx('2'), reason: 'fill', ref: 'T1', at: 5 },
      { asset: 'USDT', delta: fx('-200'), balance: fx('800'), reason: 'fill', ref: 'T1', at: 5 },
      { asset: 'USDT', delta: fx('-0.2'), balance: fx('799.8'), reason: 'fee', ref: 'T1', at: 5 },
    ]);
    expect(balances).toEqual({ USDT: fx('799.8'), BTC: fx('2') });
  });

  test('a sell gives base out and the proceeds less the fee in', () => {
    const balances: Balances = { BTC: fx('1') };
    bookFill(balances, fill('sell', '0.25', '100', '0.025'));
    expect(balances).toEqual({ BTC: fx('0.75'), USDT: fx('24.975') });
  });

  test('no fee entry when there is no fee', () => {
    expect(bookFill({}, fill('buy', '1', '1', '0')).map((e) => e.reason)).toEqual(['fill', 'fill']);
  });

  test('the notional is exact decimal, not float', () => {
    const balances: Balances = {};
    bookFill(balances, fill('sell', '0.1', '0.3', '0'));
    expect(balances.USDT).toBe(fx('0.03'));
  });
});

test('move starts a missing asset at zero and may go negative (the ledger records, it does not police)', () => {
  const balances: Balances = {};
  expect(move(balances, 'ETH', fx('-1.5'), 'deposit', 'init', 0)).toEqual({ asset: 'ETH', delta: fx('-1.5'), balance: fx('-1.5'), reason: 'deposit', ref: 'init', at: 0 });
  expect(balances.ETH).toBe(fx('-1.5'));
});
