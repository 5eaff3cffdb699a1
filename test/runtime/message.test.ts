import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { RuntimeError } from '../../runtime/errors.js';
import { assertPlainData, validateMessage } from '../../runtime/message.js';

/** Runs `fn`, expects a RuntimeError with `code`, and returns its message. */
function errorOf(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe(code);
    return (error as RuntimeError).message;
  }
  throw new Error('expected a RuntimeError, nothing was thrown');
}

describe('assertPlainData', () => {
  test.each([
    ['a string', 'x'],
    ['a number', 1.5],
    ['a boolean', false],
    ['a bigint', 10n],
    ['undefined', undefined],
    ['null', null],
    ['nested objects and arrays', { a: [1, { b: ['c', { d: null }] }], e: { f: true } }],
    ['a Date', { at: new Date(0) }],
    ['a Map', { m: new Map<string, unknown>([['k', { v: [1] }]]) }],
    ['a Set', { s: new Set([1, 'two', { three: 3 }]) }],
    ['typed arrays', { u8: new Uint8Array(4), f64: new Float64Array(2) }],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1, b: { c: 2 } })],
  ])('accepts %s', (_, value) => {
    expect(() => assertPlainData(value)).not.toThrow();
  });

  test('accepts an object shared twice without a cycle', () => {
    const shared = { x: 1 };
    expect(() => assertPlainData({ a: shared, b: [shared, shared] })).not.toThrow();
  });

  test('rejects a function with the path of the field', () => {
    const message = errorOf(() => assertPlainData({ type: 't', order: { cb: () => 1 } }), 'ERR_NOT_CLONEABLE');
    expect(message).toContain('message.order.cb');
    expect(message).toContain('function');
  });

  test('rejects a symbol inside an array with the index in the path', () => {
    const message = errorOf(() => assertPlainData({ list: [1, { s: Symbol('x') }] }), 'ERR_NOT_CLONEABLE');
    expect(message).toContain('message.list[1].s');
    expect(message).toContain('symbol');
  });

  test('rejects a class instance and names the class', () => {
    class Order {
      qty = 1;
    }
    const message = errorOf(() => assertPlainData({ order: new Order() }), 'ERR_NOT_CLONEABLE');
    expect(message).toContain('message.order');
    expect(message).toContain('Order');
  });

  test('rejects bad values inside Map and Set', () => {
    expect(errorOf(() => assertPlainData({ m: new Map([['k', () => 0]]) }), 'ERR_NOT_CLONEABLE')).toContain('message.m<k>');
    expect(errorOf(() => assertPlainData({ s: new Set([Symbol('s')]) }), 'ERR_NOT_CLONEABLE')).toContain('message.s<item>');
  });

  test('rejects a cycle', () => {
    const order: Record<string, unknown> = { qty: 1 };
    order.self = order;
    const message = errorOf(() => assertPlainData({ order }), 'ERR_NOT_CLONEABLE');
    expect(message).toMatch(/^message\.order\.self is a reference back to one of its parents \(a cycle\)/);
  });

  test('accepts an ArrayBuffer and deep nesting up to 64 levels, rejects deeper', () => {
    expect(() => assertPlainData({ type: 'blob', bytes: new ArrayBuffer(8) })).not.toThrow();
    const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });
    expect(() => assertPlainData(nest(63))).not.toThrow();
    expect(errorOf(() => assertPlainData(nest(70)), 'ERR_NOT_CLONEABLE')).toContain('nested deeper than 64 levels');
  });

  test('accepts any JSON value, and finds a function or a class instance put anywhere in one, naming where', () => {
    class Order {}
    const poisons = [{ value: () => 0, what: 'a function' }, { value: new Order(), what: 'an instance of Order' }];
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(1), (json, turns, which) => {
        expect(() => assertPlainData(json)).not.toThrow();
        // Down from the root by the given turns while there are fields to go into; the poison replaces the last field reached.
        const root = { value: structuredClone(json) as unknown };
        let holder = root as Record<string | number, unknown>;
        let key: string | number = 'value';
        let path = '';
        for (const turn of turns) {
          const node = holder[key];
          if (typeof node !== 'object' || node === null) break;
          // An own `__proto__` key would be set as the prototype by the assignment below, not replaced.
          const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node).filter((k) => k !== '__proto__');
          if (keys.length === 0) break;
          holder = node as Record<string | number, unknown>;
          key = keys[turn % keys.length]!;
          path += typeof key === 'number' ? `[${key}]` : `.${key}`;
        }
        holder[key] = poisons[which]!.value;
        expect(errorOf(() => assertPlainData(root.value), 'ERR_NOT_CLONEABLE')).toBe(`message${path} is ${poisons[which]!.what}; messages must be plain data`);
      }),
    );
  });

  test('uses the given root path', () => {
    expect(errorOf(() => assertPlainData({ f: () => 0 }, 'args'), 'ERR_NOT_CLONEABLE')).toMatch(/^args\.f /);
  });
});

describe('validateMessage', () => {
  test.each([
    ['null', null],
    ['a string', 'hello'],
    ['a number', 42],
    ['an array', [{ type: 'x' }]],
  ])('rejects %s', (_, value) => {
    const message = errorOf(() => validateMessage(value, 'trader.alpha'), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('"type"');
    expect(message).toContain('trader.alpha');
  });

  test.each([
    ['a missing type', {}, 'undefined'],
    ['a numeric type', { type: 3 }, 'number'],
    ['a null type', { type: null }, 'null'],
  ])('rejects %s', (_, value, got) => {
    const message = errorOf(() => validateMessage(value, 'trader.alpha'), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('field "type" must be a string');
    expect(message).toContain(`got ${got}`);
  });

  test('returns a valid message unchanged without a schema', () => {
    const value = { type: 'ping', n: 1 };
    expect(validateMessage(value, 'a')).toBe(value);
  });

  test('checks plain data unless told not to', () => {
    const value = { type: 'ping', cb: () => 0 };
    expect(errorOf(() => validateMessage(value, 'a'), 'ERR_NOT_CLONEABLE')).toContain('message.cb');
    expect(validateMessage(value, 'a', undefined, false)).toBe(value);
  });

  const Order = z.object({
    type: z.literal('order'),
    qty: z.number().int().positive(),
    order: z.object({ price: z.number() }),
    note: z.string().default('none'),
  });

  test('returns the parsed message when the schema accepts it', () => {
    const parsed = validateMessage({ type: 'order', qty: 2, order: { price: 10 }, extra: 1 }, 'a', Order);
    expect(parsed).toEqual({ type: 'order', qty: 2, order: { price: 10 }, note: 'none' });
  });

  test('names a bad top-level field', () => {
    const message = errorOf(() => validateMessage({ type: 'order', qty: 'x', order: { price: 1 } }, 'trader.alpha', Order), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('field "qty"');
    expect(message).toContain('message "order" to trader.alpha');
  });

  test('names a bad nested field with a dotted path', () => {
    const message = errorOf(() => validateMessage({ type: 'order', qty: 1, order: { price: 'high' } }, 'a', Order), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('field "order.price"');
  });

  test('names the type field when the schema rejects the type', () => {
    const message = errorOf(() => validateMessage({ type: 'cancel', qty: 1, order: { price: 1 } }, 'a', Order), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('field "type"');
  });

  // Source bug: a root-level issue (here zod's `unrecognized_keys`, path []) is reported as field "type".
  test('names an unknown field rejected by a strict schema, not "type"', () => {
    const Strict = z.strictObject({ type: z.literal('ping') });
    const message = errorOf(() => validateMessage({ type: 'ping', extra: 1 }, 'a', Strict), 'ERR_INVALID_MESSAGE');
    expect(message).toContain('extra');
    expect(message).not.toContain('field "type"');
  });

  test('keeps the zod error as the cause', () => {
    try {
      validateMessage({ type: 'order', qty: -1, order: { price: 1 } }, 'a', Order);
      expect.unreachable();
    } catch (error) {
      expect((error as RuntimeError).cause).toBeInstanceOf(z.ZodError);
    }
  });
});
