import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCandlesCsv, parseCandlesCsv } from '../../../adapters/market-data/csv-candles.js';
import { TradingError } from '../../../actors/trading/errors.js';
import { toFixed } from '../../../actors/trading/fixed.js';

const options = { symbol: 'BTC/USDT', timeframe: '1h', source: 'candles.csv' };
const f = (value: string) => toFixed(value, 'value');

/** Parses `lines` (header first) and returns the error message, failing if there is none. */
function failure(lines: string[]): string {
  try {
    parseCandlesCsv(lines.join('\n'), options);
  } catch (error) {
    expect(error).toBeInstanceOf(TradingError);
    expect((error as TradingError).code).toBe('ERR_INVALID_CONFIG');
    return (error as Error).message;
  }
  throw new Error('the CSV was accepted');
}

const header = 'ts,open,high,low,close,volume';
const good = '1704067200000,100,101,99,100.5,12.25';

describe('parseCandlesCsv', () => {
  test('reads a good file into exact candles', () => {
    const text = [header, good, '1704070800000,100.5,102.123456789,100.1,102,0', ''].join('\n');
    expect(parseCandlesCsv(text, options)).toEqual([
      { symbol: 'BTC/USDT', timeframe: '1h', ts: 1704067200000, open: f('100'), high: f('101'), low: f('99'), close: f('100.5'), volume: f('12.25') },
      { symbol: 'BTC/USDT', timeframe: '1h', ts: 1704070800000, open: f('100.5'), high: f('102.123456789'), low: f('100.1'), close: f('102'), volume: 0n },
    ]);
  });

  test('takes timestamp for ts, ISO dates, any column order and case, and ignores other columns', () => {
    const text = [
      '\ufeffTimestamp, Close ,open,HIGH,low,volume,trades',
      '2024-01-01,100.5,100,101,99,1,7',
      '2024-01-01T01:00:00Z,100.5,100,101,99,1,7',
      '2024-01-01 02:00,100.5,100,101,99,1,7', // no offset: UTC, whatever the machine's zone
      '2024-01-01T04:00:00+01:00,100.5,100,101,99,1,7',
      '',
      '2024-01-01T04:00:00.250Z,100.5,100,101,99,1,7',
    ].join('\r\n');
    const hour = 3_600_000;
    const start = Date.UTC(2024, 0, 1);
    expect(parseCandlesCsv(text, options).map((c) => c.ts)).toEqual([start, start + hour, start + 2 * hour, start + 3 * hour, start + 4 * hour + 250]);
    expect(parseCandlesCsv(text, options)[0]!.close).toBe(f('100.5'));
  });

  test('a header without rows gives no candles', () => {
    expect(parseCandlesCsv(header, options)).toEqual([]);
  });

  test('a value that is not a number names the line and column', () => {
    expect(failure([header, good, '1704070800000,100,101,99,abc,1'])).toBe('candles.csv line 3, column close: "abc" is not a decimal number');
    expect(failure([header, '1704067200000,100,101,99,100,'])).toBe('candles.csv line 2, column volume: "" is not a decimal number');
  });

  test('line numbers count blank lines', () => {
    expect(failure([header, good, '', '', '1704070800000,100,1O1,99,100,1'])).toBe('candles.csv line 5, column high: "1O1" is not a decimal number');
  });

  test('high below low', () => {
    expect(failure([header, '1704067200000,100,98,99,100,1'])).toBe('candles.csv line 2, column high: 98 is below low 99');
  });

  test('prices that are not positive and negative volume', () => {
    expect(failure([header, '1704067200000,0,101,99,100,1'])).toBe('candles.csv line 2, column open: must be positive, got 0');
    expect(failure([header, '1704067200000,100,101,99,100,-1'])).toBe('candles.csv line 2, column volume: must not be negative, got -1');
  });

  test('timestamps that do not strictly increase', () => {
    expect(failure([header, good, good])).toBe('candles.csv line 3, column ts: 1704067200000 is not after the previous row\'s 1704067200000');
    expect(failure(['timestamp,open,high,low,close,volume', '2024-01-02,1,1,1,1,1', '2024-01-01,1,1,1,1,1'])).toBe(
      "candles.csv line 3, column timestamp: 2024-01-01 is not after the previous row's 2024-01-02",
    );
  });

  test('times in µs or ns since the epoch (Binance’s spot dumps since 2025) are read as the same ms', () => {
    const start = Date.UTC(2025, 0, 1);
    const text = [header, `${start},1,1,1,1,1`, `${start + 60_000}000,1,1,1,1,1`, `${start + 120_000}000000,1,1,1,1,1`].join('\n');
    expect(parseCandlesCsv(text, options).map((c) => c.ts)).toEqual([start, start + 60_000, start + 120_000]);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1974, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        const times = [`${ms}`, `${ms}000`, `${ms}000000`].map((ts) => parseCandlesCsv([header, `${ts},1,1,1,1,1`].join('\n'), options)[0]!.ts);
        expect(times).toEqual([ms, ms, ms]);
      }),
    );
  });

  test('timestamps that are neither whole ms (or µs, ns) nor ISO dates', () => {
    for (const ts of ['yesterday', '1.7e12', '2024-02-30', '2024-13-01', '01/02/2024', '-1', '1735689600000001', '1735689600000000001', '99999999999999999999999']) {
      expect(failure([header, `${ts},1,1,1,1,1`])).toBe(`candles.csv line 2, column ts: "${ts}" is neither a whole ms (or µs, ns) since the epoch nor an ISO 8601 date`);
    }
  });

  test('a header that lacks a column, repeats one, or has both ts and timestamp', () => {
    expect(failure(['ts,open,high,low,volume', '1,1,1,1,1'])).toBe(
      'candles.csv line 1, column close: missing from the header (expected ts (or timestamp), open, high, low, close, volume)',
    );
    expect(failure(['open,high,low,close,volume'])).toMatch(/^candles\.csv line 1, column ts: missing from the header/);
    expect(failure(['ts,open,high,low,close,volume,Close'])).toBe('candles.csv line 1, column close: appears twice in the header');
    expect(failure(['ts,timestamp,open,high,low,close,volume'])).toBe('candles.csv line 1, column ts: both ts and timestamp in the header');
  });

  test('an empty input has no header', () => {
    expect(failure([''])).toBe('candles.csv line 1: no header row; expected the columns ts (or timestamp), open, high, low, close, volume');
  });

  test('a row with the wrong number of fields', () => {
    expect(failure([header, good, '1704070800000,100,101,99,100'])).toBe('candles.csv line 3: 5 fields where the header has 6');
  });

  test('malformed CSV names the line', () => {
    expect(failure([header, good, '1704070800000,"100,101,99,100,1'])).toMatch(/^candles\.csv line 3: Quote Not Closed/);
  });

  test('the source defaults to CSV', () => {
    expect(() => parseCandlesCsv([header, '1,x,1,1,1,1'].join('\n'), { symbol: 'BTC/USDT', timeframe: '1h' })).toThrow(
      'CSV line 2, column open: "x" is not a decimal number',
    );
  });
});

describe('loadCandlesCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csv-candles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads the file; errors name it', async () => {
    const path = join(dir, 'btc.csv');
    writeFileSync(path, [header, good].join('\n'));
    expect(await loadCandlesCsv(path, { symbol: 'BTC/USDT', timeframe: '1h' })).toHaveLength(1);
    writeFileSync(path, [header, '1,1,1,1,nope,1'].join('\n'));
    await expect(loadCandlesCsv(path, { symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow(`${path} line 2, column close: "nope" is not a decimal number`);
  });

  test('a file names the same line as the text, wherever the bad row is and however many blank lines come before it', async () => {
    const path = join(dir, 'lines.csv');
    const row = (i: number) => `${1_704_067_200_000 + i * 3_600_000},100,101,99,100,1`;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { minLength: 1, maxLength: 40 }), fc.nat(39), async (blanks, at) => {
        const bad = at % blanks.length;
        const lines = [header, ...blanks.flatMap((n, i) => [...Array<string>(n).fill(''), i === bad ? row(i).replace(',99,', ',9x9,') : row(i)])];
        writeFileSync(path, lines.join('\n'));
        const line = lines.findIndex((text) => text.includes('9x9')) + 1;
        expect(failure(lines)).toBe(`candles.csv line ${line}, column low: "9x9" is not a decimal number`);
        await expect(loadCandlesCsv(path, options)).rejects.toThrow(`candles.csv line ${line}, column low: "9x9" is not a decimal number`);
      }),
      { numRuns: 40 },
    );
  });
});
