import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { candlesFile, loadSeries } from '../../../adapters/backtest/data.js';
import type { CandleSeries } from '../../../adapters/market-data/candle-series.js';
import { columnsFile } from '../../../adapters/market-data/columns-cache.js';
import { loadCandlesCsv } from '../../../adapters/market-data/csv-candles.js';
import { START, wave, writeCandles } from '../../helpers/candles.js';

const MINUTE = 60_000;
const all = (series: CandleSeries) => Array.from({ length: series.length }, (_, i) => series.at(i)!);
const load = async (dir: string, window = {}) => (await loadSeries(dir, ['BTC/USDT'], '1m', window))['BTC/USDT']!;

describe('the columns kept beside a CSV', () => {
  test('the first read leaves them; the next reads them instead of the CSV, candle for candle', async () => {
    const dir = writeCandles(wave(3_000));
    const csv = candlesFile(dir, 'BTC/USDT', '1m');
    // A whole second, which setting the time back gives exactly.
    const second = Math.floor(statSync(csv).mtimeMs / 1000);
    utimesSync(csv, second, second);
    const first = all(await load(dir));
    expect(existsSync(columnsFile(csv))).toBe(true);
    // The same size and time, other text: only a read of the copy still gives the candles.
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\d/g, '9'));
    utimesSync(csv, second, second);
    expect(all(await load(dir))).toEqual(first);
  });

  test('a CSV that changed is read again, and its copy made anew', async () => {
    const dir = writeCandles(wave(500));
    const csv = candlesFile(dir, 'BTC/USDT', '1m');
    await load(dir);
    appendFileSync(csv, `\n${START + 500 * MINUTE},1,2,0.5,1.5,3`);
    const grown = await load(dir);
    expect(grown.length).toBe(501);
    expect(grown.at(500)).toMatchObject({ ts: START + 500 * MINUTE, close: 1_500_000_000n });
    // And the copy is of the grown CSV.
    expect((await load(dir)).length).toBe(501);
  });

  test('a torn or foreign copy is ignored, and the CSV read', async () => {
    const dir = writeCandles(wave(400));
    const csv = candlesFile(dir, 'BTC/USDT', '1m');
    const first = all(await load(dir));
    truncateSync(columnsFile(csv), 1_000);
    expect(all(await load(dir))).toEqual(first);
    writeFileSync(columnsFile(csv), 'not columns at all');
    expect(all(await load(dir))).toEqual(first);
  });

  test('a window cut from the copy is the window read from the CSV', async () => {
    const dir = writeCandles(wave(300));
    const csv = candlesFile(dir, 'BTC/USDT', '1m');
    await load(dir);
    const candles = await loadCandlesCsv(csv, { symbol: 'BTC/USDT', timeframe: '1m' });
    const fromCsv = (from: number, to: number) => candles.filter((c) => c.ts >= from && c.ts < to);
    const time = fc.integer({ min: START - 5 * MINUTE, max: START + 305 * MINUTE });
    await fc.assert(
      fc.asyncProperty(time, time, async (from, to) => {
        expect(existsSync(columnsFile(csv))).toBe(true);
        expect(all(await load(dir, { from, to }))).toEqual(fromCsv(from, to));
      }),
      { numRuns: 50 },
    );
  });
});
