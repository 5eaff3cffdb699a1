import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { abs, div, fixedToNumber, fixedToString, max, min, mul, ONE, roundToStep, toFixed, type Rounding } from '../../../actors/trading/fixed.js';
import { fx, tradingError } from '../../helpers/trading.js';

describe('toFixed', () => {
  test('a plain decimal (parsed without Big) is what Big makes of it, to the unit', () => {
    const decimal = fc
      // Both sides of 2^53 units (9,007,199.254740991), where the parse changes method.
      .tuple(fc.boolean(), fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 7n }), fc.bigInt({ min: 9_007_100n, max: 9_007_300n }), fc.bigInt({ min: 0n, max: 10n ** 15n - 1n })), fc.option(fc.stringMatching(/^\d{0,9}$/), { nil: undefined }))
      .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}`);
    fc.assert(
      fc.property(decimal, (text) => {
        expect(toFixed(text, 'x')).toBe(BigInt(new Big(text).times(ONE.toString()).round(0, Big.roundHalfEven).toFixed(0)));
      }),
      { numRuns: 2_000 },
    );
  });

  test.each<[string | number | bigint, bigint]>([
    ['1', 1_000_000_000n],
    ['0.015', 15_000_000n],
    [0.015, 15_000_000n],
    ['-2.5', -2_500_000_000n],
    ['  3  ', 3_000_000_000n],
    ['1.5e3', 1_500_000_000_000n],
    ['1e-9', 1n],
    [0.1, 100_000_000n],
    ['1e15', 10n ** 24n],
    ['-1e15', -(10n ** 24n)],
    ['999999999999999.999999999', 10n ** 24n - 1n],
    // Beyond 9 places the value is rounded half to even, like every other rounding in the core.
    ['0.0000000005', 0n],
    ['0.0000000015', 2n],
    ['0.0000000025', 2n],
    ['0.00000000051', 1n],
    // A bigint is already Fixed and is taken as is.
    [123n, 123n],
  ])('%s -> %s', (input, expected) => {
    expect(toFixed(input, 'price')).toBe(expected);
  });

  test.each<[string, unknown]>([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['an exponent out of range', '1e999'],
    ['an empty string', ''],
    ['blanks', '   '],
    ['letters', 'abc'],
    ['a decimal comma', '1,5'],
    ['hex', '0x10'],
    ['a string just above 1e15', '1000000000000000.000000001'],
    ['a number above 1e15', 1e16],
    ['a negative beyond -1e15', '-2e15'],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { value: '1' }],
  ])('rejects %s, naming the field', (_, input) => {
    const error = tradingError(() => toFixed(input, 'orders[2].price'), 'ERR_INVALID_DECIMAL');
    expect(error.field).toBe('orders[2].price');
    expect(error.message.startsWith('orders[2].price: ')).toBe(true);
  });

  test('no float drift: 0.1 + 0.2 is exactly 0.3', () => {
    expect(toFixed(0.1, 'a') + toFixed(0.2, 'b')).toBe(toFixed('0.3', 'c'));
    expect(fixedToString(toFixed(0.1, 'a') + toFixed(0.2, 'b'))).toBe('0.3');
  });

  test('no float drift: ten times 0.1 is exactly 1', () => {
    let sum = 0n;
    for (let i = 0; i < 10; i++) sum += fx(0.1);
    expect(sum).toBe(ONE);
  });
});

describe('fixedToString', () => {
  test.each<[bigint, string]>([
    [1_500_000_000n, '1.5'],
    [0n, '0'],
    [1n, '0.000000001'],
    [-1n, '-0.000000001'],
    [-2_500_000_000n, '-2.5'],
    [123_456_789_012_345_678n, '123456789.012345678'],
    [10n ** 24n, '1000000000000000'],
  ])('%s -> %s', (value, text) => {
    expect(fixedToString(value)).toBe(text);
  });

  test.each(['0.1', '42', '-7.000000001', '95000.01', '0.00001'])('round-trips %s through toFixed', (text) => {
    expect(fixedToString(fx(text))).toBe(text);
  });

  test('fixedToNumber is the display value', () => {
    expect(fixedToNumber(fx('1.25'))).toBe(1.25);
  });
});

describe('mul and div', () => {
  test.each<[string, string, string]>([
    ['1.5', '2', '3'],
    ['0.1', '0.1', '0.01'],
    ['95000.01', '0.00001', '0.9500001'],
    ['-3', '0.5', '-1.5'],
  ])('mul(%s, %s) = %s', (a, b, product) => {
    expect(mul(fx(a), fx(b))).toBe(fx(product));
  });

  // 1e-9 units times 0.5 land exactly halfway between two Fixed values.
  test.each<[bigint, bigint]>([
    [1n, 0n],
    [3n, 2n],
    [5n, 2n],
    [7n, 4n],
    [-1n, 0n],
    [-3n, -2n],
    [-5n, -2n],
  ])('mul(%s units, 0.5) rounds half to even: %s', (units, expected) => {
    expect(mul(units, fx('0.5'))).toBe(expected);
  });

  test('mul and div equal the exact result rounded half to even, whatever the signs and sizes', () => {
    // Large values, small ones, and multiples of 0.5, whose products and quotients with small ones are often ties.
    const small = fc.bigInt({ min: -1_000n, max: 1_000n });
    const units = fc.oneof(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), small, fc.bigInt({ min: -8n, max: 8n }).map((k) => k * (ONE / 2n)));
    // A quotient of these sizes is at least 1 / 2e24 from a tie unless it is one: 40 places decide its rounding.
    const Exact = Big();
    Exact.DP = 40;
    const exact = (value: Big) => BigInt(value.round(0, Big.roundHalfEven).toFixed(0));
    fc.assert(
      fc.property(units, units, (a, b) => {
        expect(mul(a, b)).toBe(exact(new Exact(a.toString()).times(b.toString()).div(ONE.toString())));
        if (b !== 0n) expect(div(a, b)).toBe(exact(new Exact(a.toString()).times(ONE.toString()).div(b.toString())));
      }),
      { numRuns: 2_000 },
    );
  });

  test('mul rounds a non-tie to the nearest', () => {
    expect(mul(1n, fx('0.6'))).toBe(1n);
    expect(mul(1n, fx('0.4'))).toBe(0n);
  });

  test.each<[string, string, bigint]>([
    ['1', '3', 333_333_333n],
    ['2', '3', 666_666_667n],
    ['-2', '3', -666_666_667n],
    ['1', '-4', -250_000_000n],
    ['-1', '-4', 250_000_000n],
  ])('div(%s, %s) = %s units', (a, b, expected) => {
    expect(div(fx(a), fx(b))).toBe(expected);
  });

  test.each<[bigint, bigint, bigint]>([
    [1n, 2n, 0n],
    [3n, 2n, 2n],
    [5n, 2n, 2n],
    [-3n, 2n, -2n],
    [3n, -2n, -2n],
    [-5n, -2n, 2n],
  ])('div(%s units, %s) rounds half to even: %s units', (a, whole, expected) => {
    expect(div(a, whole * ONE)).toBe(expected);
  });
});

describe('roundToStep', () => {
  test.each<[string, string, Rounding, string]>([
    ['1.234', '0.01', 'down', '1.23'],
    ['1.234', '0.01', 'up', '1.24'],
    ['1.234', '0.01', 'half-even', '1.23'],
    ['1.236', '0.01', 'half-even', '1.24'],
    ['1.235', '0.01', 'half-even', '1.24'],
    ['1.245', '0.01', 'half-even', '1.24'],
    ['1.2451', '0.01', 'half-even', '1.25'],
    // down and up go towards and away from zero, also for negatives.
    ['-1.234', '0.01', 'down', '-1.23'],
    ['-1.234', '0.01', 'up', '-1.24'],
    ['-1.235', '0.01', 'half-even', '-1.24'],
    ['-1.225', '0.01', 'half-even', '-1.22'],
    ['0.0049', '0.005', 'down', '0'],
    ['0.0049', '0.005', 'up', '0.005'],
    ['17', '5', 'half-even', '15'],
    ['17.5', '5', 'half-even', '20'],
  ])('%s to %s, %s -> %s', (value, step, mode, expected) => {
    expect(roundToStep(fx(value), fx(step), mode)).toBe(fx(expected));
  });

  test.each<Rounding>(['down', 'up', 'half-even'])('a multiple of the step is left as is (%s)', (mode) => {
    expect(roundToStep(fx('1.25'), fx('0.05'), mode)).toBe(fx('1.25'));
  });

  test('a zero step (a market without a tick) leaves the value as is', () => {
    expect(roundToStep(fx('1.234567'), 0n, 'down')).toBe(fx('1.234567'));
  });
});

test('abs, min and max', () => {
  expect(abs(fx(-2))).toBe(fx(2));
  expect(abs(fx(2))).toBe(fx(2));
  expect(min(fx(1), fx(-1))).toBe(fx(-1));
  expect(max(fx(1), fx(-1))).toBe(fx(1));
});
