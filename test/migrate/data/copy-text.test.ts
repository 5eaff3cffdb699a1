import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { copyRows, decodeField, decodeRow, encodeField, encodeRow } from '../../../migrate/data/copy-text.js';

describe("COPY's text format", () => {
  test('decodes NULL and every escape, and encodes back to the same text', () => {
    expect(decodeField('\\N')).toBeNull();
    expect(decodeField('plain')).toBe('plain');
    expect(decodeField('a\\tb\\nc\\\\d\\r\\101\\x42')).toBe('a\tb\nc\\d\rAB');
    for (const value of ['tab\there', 'line\nbreak', 'back\\slash', '\\N', 'cr\r', 'émoji 🚀', '']) expect(decodeField(encodeField(value))).toBe(value);
    expect(encodeField(null)).toBe('\\N');
    expect(encodeRow(['1', null, 'a\tb'])).toBe('1\t\\N\ta\\tb\n');
    expect(decodeRow('1\t\\N\ta\\tb')).toEqual(['1', null, 'a\tb']);
  });

  test('cuts rows at newlines across chunks, even inside a multi-byte character', async () => {
    const text = Buffer.from('1\tété\n2\t🚀\\n\n3\tlast\n');
    // Split inside the rocket's four bytes and inside a row.
    const cut = text.indexOf(Buffer.from('🚀')) + 2;
    const batches: (string | null)[][][] = [];
    for await (const batch of copyRows(Readable.from([text.subarray(0, 5), text.subarray(5, cut), text.subarray(cut)]))) batches.push(batch);
    expect(batches.flat()).toEqual([
      ['1', 'été'],
      ['2', '🚀\n'],
      ['3', 'last'],
    ]);
  });
});
