import { fitsInt64 } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';

/**
 * The candles of one symbol and timeframe, read by index: an array of `Candle`s, or `CandleColumns`.
 * Arrays already are one (`Array.prototype.at`).
 */
export interface CandleSeries {
  readonly length: number;
  at(index: number): Candle | undefined;
}

const FIELDS = 5;

/** A series in columns, as another thread receives it: views on shared memory, passed without a copy. */
export interface SharedColumns {
  symbol: string;
  timeframe: string;
  length: number;
  times: Float64Array;
  /** open, high, low, close, volume of each candle, one after the other, as fixed-point integers. */
  values: BigInt64Array;
}

/**
 * Candles kept in two typed arrays over shared memory instead of an object each: a year of one-minute
 * candles takes 25 MB instead of about 120, and a sweep's threads read the same memory. A `Candle` is
 * made when one is read.
 */
export class CandleColumns implements CandleSeries {
  readonly #columns: SharedColumns;

  constructor(columns: SharedColumns) {
    this.#columns = columns;
  }

  get length(): number {
    return this.#columns.length;
  }

  at(index: number): Candle | undefined {
    const { symbol, timeframe, length, times, values } = this.#columns;
    const i = index < 0 ? index + length : index;
    if (i < 0 || i >= length) return undefined;
    const at = i * FIELDS;
    return { symbol, timeframe, ts: times[i]!, open: values[at]!, high: values[at + 1]!, low: values[at + 2]!, close: values[at + 3]!, volume: values[at + 4]! };
  }

  /** What another thread needs to read these candles (`new CandleColumns(shared)` there). */
  shared(): SharedColumns {
    return this.#columns;
  }

  /** The candles from index `start` up to `end` (exclusive): views on the same memory. */
  slice(start: number, end: number): CandleColumns {
    const { times, values } = this.#columns;
    return new CandleColumns({ ...this.#columns, length: end - start, times: times.subarray(start, end), values: values.subarray(start * FIELDS, end * FIELDS) });
  }
}

/** The candles of `series` with `from <= ts < to`; a series already within them is given back as it is. */
export function windowOf(series: CandleSeries, from: number, to: number): CandleSeries {
  const first = firstAtOrAfter(series, from);
  const end = firstAtOrAfter(series, to);
  if (first === 0 && end === series.length) return series;
  return series instanceof CandleColumns ? series.slice(first, end) : Array.from({ length: end - first }, (_, i) => series.at(first + i)!);
}

/** Index of the first candle at or after `ts` (the length when none is): times only grow. */
export function firstAtOrAfter(series: CandleSeries, ts: number): number {
  let low = 0;
  let high = series.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (series.at(middle)!.ts < ts) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Collects candles in order into columns. A value that does not fit in 64 bits (above 9.2 billion
 * units, some coins' volumes) cannot be kept there: the series is then kept as `Candle` objects.
 */
export class SeriesBuilder {
  readonly #symbol: string;
  readonly #timeframe: string;
  #times = new Float64Array(new SharedArrayBuffer(1_024 * 8));
  #values = new BigInt64Array(new SharedArrayBuffer(1_024 * FIELDS * 8));
  #length = 0;
  #objects: Candle[] | undefined;

  constructor(symbol: string, timeframe: string) {
    this.#symbol = symbol;
    this.#timeframe = timeframe;
  }

  add(candle: Candle): void {
    if (this.#objects) {
      this.#objects.push(candle);
      return;
    }
    const fields = [candle.open, candle.high, candle.low, candle.close, candle.volume];
    if (!fields.every(fitsInt64)) {
      this.#objects = Array.from({ length: this.#length }, (_, i) => this.#columns().at(i)!);
      this.#objects.push(candle);
      return;
    }
    if (this.#length === this.#times.length) this.#grow();
    this.#times[this.#length] = candle.ts;
    this.#values.set(fields, this.#length * FIELDS);
    this.#length++;
  }

  done(): CandleSeries {
    return this.#objects ?? this.#columns();
  }

  #columns(): CandleColumns {
    return new CandleColumns({ symbol: this.#symbol, timeframe: this.#timeframe, length: this.#length, times: this.#times, values: this.#values });
  }

  #grow(): void {
    const times = new Float64Array(new SharedArrayBuffer(this.#times.length * 2 * 8));
    times.set(this.#times);
    const values = new BigInt64Array(new SharedArrayBuffer(this.#values.length * 2 * 8));
    values.set(this.#values);
    this.#times = times;
    this.#values = values;
  }
}

/** A series as it can be sent to another thread: columns by reference, an array of candles as a copy. */
export function shareSeries(series: CandleSeries): SharedColumns | Candle[] {
  if (series instanceof CandleColumns) return series.shared();
  return Array.from({ length: series.length }, (_, i) => series.at(i)!);
}

/** A series received from another thread (see `shareSeries`). */
export function receiveSeries(shared: SharedColumns | Candle[]): CandleSeries {
  return Array.isArray(shared) ? shared : new CandleColumns(shared);
}
