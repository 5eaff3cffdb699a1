import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, formatPercent, formatSigned, signOf, sumDecimals } from '../../../adapters/dashboard/web/decimal.js';

/** A decimal string as the API writes amounts: up to 12 integer and 12 fraction digits, either sign. */
const decimal = fc
  .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,11})$/), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction !== undefined ? `.${fraction}` : ''}`);

/** What `formatDecimal` should show, from big.js: rounded half away from zero, then grouped. */
function expected(text: string, places: number): string {
  const fixed = new Big(text).round(places, Big.roundHalfUp).toFixed(places);
  const [whole, fraction] = fixed.replace(/^-/, '').split('.');
  const sign = fixed.startsWith('-') && /[1-9]/.test(fixed) ? '-' : '';
  return `${sign}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction !== undefined ? `.${fraction}` : ''}`;
}

describe('the dashboard formats amounts on their digits', () => {
  it('rounds and groups any decimal exactly as big.js does', () => {
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 8 }), (text, places) => {
        expect(formatDecimal(text, places)).toBe(expected(text, places));
      }),
    );
  });

  it('keeps what a float would lose', () => {
    expect(formatDecimal('12345678901234.567890123456', 8)).toBe('12,345,678,901,234.56789012');
    expect(formatDecimal('0.005', 2)).toBe('0.01');
    expect(formatDecimal('-0.004', 2)).toBe('0.00');
    expect(formatDecimal('-1234.5', 0)).toBe('-1,235');
    expect(formatDecimal(null)).toBe('—');
    expect(formatDecimal('not a number')).toBe('not a number');
  });

  it('signs P&L, and tells a gain from a loss from nothing', () => {
    expect(formatSigned('12.5')).toBe('+12.50');
    expect(formatSigned('-3')).toBe('-3.00');
    expect(formatSigned('0.001')).toBe('0.00');
    expect([signOf('0.000'), signOf('-0.01'), signOf('7'), signOf(undefined)]).toEqual([0, -1, 1, 0]);
    expect([formatPercent(-0.00001), formatPercent(-0.1234), formatPercent(null)]).toEqual(['0.00 %', '-12.34 %', '—']);
  });

  it('sums decimals exactly, whatever their scales', () => {
    fc.assert(
      fc.property(fc.array(decimal, { maxLength: 20 }), (values) => {
        const total = values.reduce((sum, v) => sum.plus(v), new Big(0));
        expect(new Big(sumDecimals(values)).eq(total)).toBe(true);
      }),
    );
    expect(sumDecimals(['0.1', '0.2', null, 'x'])).toBe('0.3');
  });
});
