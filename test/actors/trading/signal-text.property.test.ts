import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseSignal, type SignalContext } from '../../../actors/trading/signal.js';
import { unstorable } from '../../../actors/trading/text.js';

/**
 * Text PostgreSQL cannot store (a NUL, which it refuses with the whole statement, or an unpaired UTF-16
 * surrogate, which has no UTF-8 form) is refused where a signal enters, naming the field, wherever it
 * sits in whichever text field; any other text is taken as it is.
 */
const context: SignalContext = { traderId: 'sma-btc', symbols: new Set(['BTC/USDT']), fallbackId: 'msg-1', now: 1_700_000_000_000 };
const valid = { id: 'sig-1', traderId: 'sma-btc', strategy: 'manual', symbol: 'BTC/USDT', action: 'BUY', quantity: '0.5', price: '65000.5' };

const nul = fc.constant('\u0000');
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
/** Whole code points (surrogates only in pairs), so text around an inserted lone surrogate never pairs it. */
const text = fc.string({ unit: 'binary', maxLength: 8 });

describe('parseSignal and text PostgreSQL cannot store', () => {
  test('a NUL or a lone surrogate anywhere in a text field is rejected, naming that field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(valid) as (keyof typeof valid)[])), fc.nat(), fc.oneof(nul, loneSurrogate), text, text, (field, at, bad, before, after) => {
        const original = valid[field];
        const cut = at % (original.length + 1);
        const value = `${before}${original.slice(0, cut)}${bad}${original.slice(cut)}${after}`;
        const verdict = parseSignal({ ...valid, [field]: value }, context);
        expect(verdict).toMatchObject({ ok: false, field, reason: expect.stringMatching(/^holds (a NUL character \(U\+0000\)|an unpaired UTF-16 surrogate) at index \d+, which cannot be stored$/) });
      }),
    );
  });

  test('any other text is taken as it is', () => {
    const storable = fc.string({ unit: 'binary', minLength: 1, maxLength: 32 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(storable, (strategy) => {
        expect(parseSignal({ ...valid, strategy }, context)).toMatchObject({ ok: true, signal: { strategy } });
      }),
    );
  });

  test('unstorable text is exactly what has a NUL or does not survive UTF-8', () => {
    const unit = fc.oneof(nul, loneSurrogate, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 16 }), (value) => {
        const storable = !value.includes('\u0000') && Buffer.from(value, 'utf8').toString('utf8') === value;
        expect(unstorable(value) === undefined).toBe(storable);
      }),
    );
  });
});
