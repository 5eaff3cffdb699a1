import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { CandleColumns, type SharedColumns } from './candle-series.js';

/**
 * Candles read from a CSV, kept beside it in their columns (`1m.csv` -> `1m.columns`), so that the
 * next run of the same data reads 48 bytes a candle instead of parsing text: the CSV is what a person
 * or `botv3 data download` writes, the columns only a copy. A copy is used while the CSV has the size
 * and modification time it was made from; anything else (an edit, a download that appended, a copy
 * from another version, a torn write) makes it stale, and the CSV is read again.
 *
 * Layout, little-endian: `BOTV3COL`, format version (u32), candle count (u32), the CSV's size and
 * mtime in ms (f64 each), then every time (f64) and every open, high, low, close, volume (i64, in
 * fixed-point units).
 */
const MAGIC = 'BOTV3COL';
/** 2: a CSV's times in µs or ns are read as ms, so a copy made by version 1 of such a CSV is stale. */
const VERSION = 2;
const HEADER = 32;
const FIELDS = 5;

/** The copy of `csv`'s candles, or undefined when there is none or it is not of the CSV as `source` found it. */
export async function readColumns(csv: string, source: { size: number; mtimeMs: number }, symbol: string, timeframe: string): Promise<CandleColumns | undefined> {
  const bytes = await readFile(columnsFile(csv)).catch(() => undefined);
  if (!bytes || bytes.length < HEADER || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(12, true);
  const fresh = view.getUint32(8, true) === VERSION && view.getFloat64(16, true) === source.size && view.getFloat64(24, true) === source.mtimeMs;
  if (!fresh || bytes.length !== HEADER + length * 8 * (1 + FIELDS)) return undefined;
  // Into shared memory, as `SeriesBuilder` keeps them: a sweep's threads read them without a copy.
  const times = new Float64Array(new SharedArrayBuffer(length * 8));
  const values = new BigInt64Array(new SharedArrayBuffer(length * 8 * FIELDS));
  new Uint8Array(times.buffer).set(bytes.subarray(HEADER, HEADER + times.byteLength));
  new Uint8Array(values.buffer).set(bytes.subarray(HEADER + times.byteLength));
  return new CandleColumns({ symbol, timeframe, length, times, values });
}

/**
 * Writes the copy of `csv`'s candles, as the CSV was when `source` was taken of it (before it was read).
 * Best effort: a folder that cannot be written leaves the data as it was, and the next run reads the CSV.
 */
export async function writeColumns(csv: string, source: { size: number; mtimeMs: number }, columns: SharedColumns): Promise<void> {
  const { length, times, values } = columns;
  const bytes = Buffer.alloc(HEADER + length * 8 * (1 + FIELDS));
  bytes.write(MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(VERSION, 8);
  bytes.writeUInt32LE(length, 12);
  bytes.writeDoubleLE(source.size, 16);
  bytes.writeDoubleLE(source.mtimeMs, 24);
  bytes.set(new Uint8Array(times.buffer, times.byteOffset, length * 8), HEADER);
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, length * 8 * FIELDS), HEADER + length * 8);
  // Whole or not at all: a reader never sees half a file under the final name.
  const file = columnsFile(csv);
  const partial = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, file);
  } catch {
    await unlink(partial).catch(() => {});
  }
}

/** `DATA/BTC-USDT/1m.csv` -> `DATA/BTC-USDT/1m.columns`. */
export function columnsFile(csv: string): string {
  return `${csv.replace(/\.csv$/i, '')}.columns`;
}
