import { describe, expect, test } from 'vitest';
import { parseSignal, type SignalContext } from '../../../actors/trading/signal.js';
import { fx } from '../../helpers/trading.js';

const context: SignalContext = { traderId: 'sma-btc', symbols: new Set(['BTC/USDT', 'ETH/USDT']), fallbackId: 'msg-42', now: 1_700_000_000_000 };
const v2 = { symbol: 'BTCUSDT', action: 'buy', quantity: 0.01, strategy: 'sma_cross' };

function rejected(input: unknown) {
  const verdict = parseSignal(input, context);
  if (verdict.ok) return expect.unreachable(`expected a rejection, got ${JSON.stringify(verdict.signal, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return verdict;
}

describe('parseSignal accepts', () => {
  test('the v3 shape, exactly', () => {
    const input = { id: 'sig-1', traderId: 'sma-btc', strategy: 'manual', symbol: 'BTC/USDT', action: 'BUY', quantity: '0.5', price: 65000.5, ts: 1_699_999_999_000 };
    expect(parseSignal(input, context)).toEqual({
      ok: true,
      signal: { id: 'sig-1', traderId: 'sma-btc', strategy: 'manual', symbol: 'BTC/USDT', action: 'BUY', quantity: fx('0.5'), price: fx('65000.5'), ts: 1_699_999_999_000 },
    });
  });

  test('the v2 shape: the fallback id, the current time, the symbol unified, the action upper-cased', () => {
    expect(parseSignal(v2, context)).toEqual({
      ok: true,
      signal: { id: 'msg-42', strategy: 'sma_cross', symbol: 'BTC/USDT', action: 'BUY', quantity: fx('0.01'), ts: context.now },
    });
  });

  // v2 senders add fields such as confidence; they are dropped, not carried into the signal.
  test('v2 extra fields are ignored, as documented for v2 compatibility', () => {
    const verdict = parseSignal({ ...v2, confidence: 0.8, note: 'x' }, context);
    expect(verdict).toEqual(parseSignal(v2, context));
  });

  test.each([
    ['buy', 'BUY'],
    ['Sell', 'SELL'],
    ['close', 'CLOSE'],
    ['CLOSE', 'CLOSE'],
  ])('the action "%s" as %s', (action, expected) => {
    expect(parseSignal({ ...v2, action }, context)).toMatchObject({ ok: true, signal: { action: expected } });
  });

  test('a numeric id as a string, and an ISO time as ms', () => {
    expect(parseSignal({ ...v2, id: 7, ts: '2025-01-01T00:00:00Z' }, context)).toMatchObject({ ok: true, signal: { id: '7', ts: Date.UTC(2025, 0, 1) } });
  });

  test('a null quantity or price as absent: the trader sizes a market order', () => {
    const verdict = parseSignal({ ...v2, quantity: null, price: null }, context);
    expect(verdict.ok && 'quantity' in verdict.signal).toBe(false);
    expect(verdict.ok && 'price' in verdict.signal).toBe(false);
  });
});

describe('parseSignal rejects, naming the field', () => {
  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a negative quantity', { quantity: -1 }, 'quantity', /^must be positive, got -1$/],
    ['a zero quantity', { quantity: '0' }, 'quantity', /must be positive/],
    ['a quantity that rounds to zero', { quantity: '0.0000000001' }, 'quantity', /must be positive/],
    ['a NaN quantity', { quantity: NaN }, 'quantity', /./],
    ['an infinite quantity', { quantity: Infinity }, 'quantity', /./],
    ['a huge quantity', { quantity: 1e20 }, 'quantity', /out of range/],
    ['an overflowing string quantity', { quantity: '1e999' }, 'quantity', /out of range/],
    ['a non-numeric quantity', { quantity: 'lots' }, 'quantity', /not a decimal number/],
    ['a boolean quantity', { quantity: true }, 'quantity', /./],
    ['a negative price', { price: '-5' }, 'price', /must be positive/],
    ['an unknown action', { action: 'hold' }, 'action', /^must be BUY, SELL or CLOSE, got "hold"$/],
    ['a numeric action', { action: 1 }, 'action', /expected string/],
    ['a numeric symbol', { symbol: 42 }, 'symbol', /expected string/],
    ['a symbol that cannot be split', { symbol: 'BTC' }, 'symbol', /not a symbol this trader trades \(BTC\/USDT, ETH\/USDT\)/],
    ['a symbol this trader does not trade', { symbol: 'SOLUSDT' }, 'symbol', /"SOLUSDT" is not a symbol this trader trades/],
    ['a missing strategy', { strategy: undefined }, 'strategy', /expected string/],
    ['an empty id', { id: '' }, 'id', /./],
    ['a negative id', { id: -1 }, 'id', /./],
    ['a fractional id', { id: 1.5 }, 'id', /./],
    ['a negative ts', { ts: -5 }, 'ts', /./],
    ['a ts that is not a time', { ts: 'yesterday' }, 'ts', /./],
    ['a signal for another trader', { traderId: 'rsi-eth' }, 'traderId', /^signal for trader "rsi-eth" delivered to "sma-btc"$/],
  ])('%s', (_, patch, field, reason) => {
    const verdict = rejected({ ...v2, ...patch });
    expect(verdict.field).toBe(field);
    expect(verdict.reason).toMatch(reason);
  });

  test.each([null, 5, 'BUY BTC', []])('a non-object (%j) as "signal"', (input) => {
    expect(rejected(input).field).toBe('signal');
  });
});
