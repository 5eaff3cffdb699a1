import { describe, expect, test } from 'vitest';
import { decodeSnapshot, encodeSnapshot, printOf, samePrint } from '../../runtime/snapshot.js';

describe('snapshots', () => {
  test('round-trip plain data, bigints, dates, maps and typed arrays as fresh copies', () => {
    const state = { n: 1, big: 10n ** 30n, at: new Date(5), tags: new Map([['a', [1, 2]]]), keys: new Float64Array([1.5, 2]), nested: { list: [{ x: null }] } };
    const snapshot = encodeSnapshot(state);
    const copy = decodeSnapshot(snapshot) as typeof state;
    expect(copy).toEqual(state);
    copy.nested.list.push({ x: null });
    expect(decodeSnapshot(snapshot)).toEqual(state);
  });

  test('pass typed arrays over shared memory by reference, beside the bytes', () => {
    const sealed = new Float64Array(new SharedArrayBuffer(64));
    sealed[0] = 42;
    const snapshot = encodeSnapshot({ sealed: [sealed], open: new Float64Array([7]) });
    expect(snapshot.shared).toEqual([sealed]);
    expect(snapshot.bytes.byteLength).toBeLessThan(64);
    const copy = decodeSnapshot(snapshot) as { sealed: Float64Array[]; open: Float64Array };
    expect(copy.sealed[0]).toBe(sealed);
    expect(copy.open.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  test('are the same only for the same bytes over the same shared memory, even once the first bytes were moved away', () => {
    const sealed = new Float64Array(new SharedArrayBuffer(8));
    const other = new Float64Array(new SharedArrayBuffer(8));
    const first = encodeSnapshot({ n: 1, sealed: [sealed] });
    const print = printOf(first);
    structuredClone(first.bytes, { transfer: [first.bytes.buffer as ArrayBuffer] });
    expect(first.bytes.byteLength).toBe(0);
    expect(samePrint(encodeSnapshot({ n: 1, sealed: [sealed] }), print)).toBe(true);
    expect(samePrint(encodeSnapshot({ n: 2, sealed: [sealed] }), print)).toBe(false);
    expect(samePrint(encodeSnapshot({ n: 1, sealed: [other] }), print)).toBe(false);
    expect(samePrint(encodeSnapshot({ n: 1, sealed: [] }), print)).toBe(false);
  });
});
