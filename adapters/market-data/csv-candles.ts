import { createReadStream } from 'node:fs';
import { CsvError, parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { TradingError } from '../../actors/trading/errors.js';
import { toFixed, type Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';

/** What the CSV itself does not say: whose candles they are. */
export interface CandlesCsvOptions {
  /** Symbol the candles are of (the file does not say). */
  symbol: string;
  timeframe: string;
  /** Names the input in error messages, e.g. the file name. Default `CSV`. */
  source?: string;
}

const TIME_COLUMNS = ['ts', 'timestamp'];
const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;
const REQUIRED = `ts (or timestamp), ${PRICE_COLUMNS.join(', ')}, volume`;

/** A cell's value and where it is, so that every complaint can name its line and column. */
interface Cell {
  value: string;
  row: number;
  column: string;
}

/**
 * Parses OHLCV candles from CSV text. A header row is required with the columns `ts` (or `timestamp`),
 * `open`, `high`, `low`, `close` and `volume`, in any order and case; other columns are ignored. `ts` is
 * the bar's open time, in ms since the epoch (µs or ns when it is that long, see `FINER_UNITS`) or as an
 * ISO 8601 date (UTC when it has no offset). Values
 * are read as exact decimals. Prices must be positive, volume not negative, high not below low, and the
 * times strictly increasing.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` naming the source, line and column, e.g.
 * `candles.csv line 7, column close: "abc" is not a decimal number`.
 */
export function parseCandlesCsv(text: string, options: CandlesCsvOptions): Candle[] {
  const candles: Candle[] = [];
  const reader = new CandleRows(options, (candle) => candles.push(candle));
  try {
    for (const record of parseSync(text, CSV_OPTIONS) as string[][]) reader.add(record);
    reader.done();
  } catch (error) {
    if (!(error instanceof RowProblem)) throw csvError(error, reader.source);
    throw error.at(reader.source, lineOf(parseSync(text, { ...CSV_OPTIONS, info: true }) as unknown as Row[], error.row));
  }
  return candles;
}

/** Reads a CSV file of candles into an array; see {@link parseCandlesCsv} and {@link streamCandlesCsv}. */
export async function loadCandlesCsv(path: string, options: CandlesCsvOptions): Promise<Candle[]> {
  const candles: Candle[] = [];
  await streamCandlesCsv(path, options, (candle) => candles.push(candle));
  return candles;
}

/**
 * Reads a CSV file of candles, handing each to `onCandle` in order; see {@link parseCandlesCsv}. Errors
 * name the file unless `source` is given. Streamed: a year of one-minute candles never sits in memory
 * as text or as parsed rows, and the caller keeps them as it likes (`SeriesBuilder`: in columns).
 */
export async function streamCandlesCsv(path: string, options: CandlesCsvOptions, onCandle: (candle: Candle) => void): Promise<void> {
  const reader = new CandleRows({ ...options, source: options.source ?? path }, onCandle);
  try {
    await readRecords(path, CSV_OPTIONS, (record) => reader.add(record));
    reader.done();
  } catch (error) {
    if (!(error instanceof RowProblem)) throw csvError(error, reader.source);
    // Rows are read without their line numbers (asking for them costs a fifth of the parse); the line
    // of the one refused is found by reading the file again up to it.
    let index = 0;
    let line = 1;
    await readRecords(path, { ...CSV_OPTIONS, info: true }, (row) => {
      if (index++ < error.row) return true;
      line = (row as unknown as Row).info.lines;
      return false;
    });
    throw error.at(reader.source, line);
  }
}

/** Hands each record of a CSV file to `onRecord`, in order, until it returns false or the file ends. */
async function readRecords(path: string, csv: Options, onRecord: (record: string[]) => boolean): Promise<void> {
  const parser = parse(csv);
  const file = createReadStream(path);
  try {
    await new Promise<void>((done, fail) => {
      // pipe() does not pass the file's errors on (a missing file would leave the parser waiting).
      file.on('error', fail);
      parser.on('error', fail).on('end', done);
      parser.on('readable', () => {
        try {
          for (let record: string[] | null; (record = parser.read() as string[] | null) !== null; ) if (!onRecord(record)) return done();
        } catch (error) {
          fail(error);
        }
      });
      file.pipe(parser);
    });
  } finally {
    file.destroy();
    parser.destroy();
  }
}

/** With `info`, each row comes with the line it ends on; the typings do not know this option. */
type Row = { record: string[]; info: { lines: number } };

const CSV_OPTIONS: Options = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true };

/** The line record `row` (0: the header) ends on, from rows read with `info`. */
function lineOf(rows: readonly Row[], row: number): number {
  return rows[row]?.info.lines ?? 1;
}

/** A row refused, known by its index until its line is looked up (see {@link streamCandlesCsv}). */
class RowProblem extends Error {
  constructor(
    readonly row: number,
    readonly column: string | undefined,
    readonly detail: string,
    override readonly cause?: unknown,
  ) {
    super(detail);
  }

  at(source: string, line: number): TradingError {
    return invalid(source, line, this.column, this.detail, this.cause);
  }
}

/** Candles from CSV rows, one at a time: the header first, then a candle per row, each checked. */
class CandleRows {
  readonly source: string;
  readonly #options: CandlesCsvOptions;
  #header: { at: Record<string, number>; time: string; width: number } | undefined;
  #previous: { ts: number; value: string } | undefined;
  /** Index of the next record; the header is 0. */
  #row = 0;
  readonly #onCandle: (candle: Candle) => void;

  constructor(options: CandlesCsvOptions, onCandle: (candle: Candle) => void) {
    this.#options = options;
    this.#onCandle = onCandle;
    this.source = options.source ?? 'CSV';
  }

  /** Takes the next record; always true (go on). @throws RowProblem for a row it refuses. */
  add(record: string[]): true {
    const row = this.#row++;
    if (!this.#header) {
      this.#header = { ...locateColumns(record), width: record.length };
      return true;
    }
    const { at, time, width } = this.#header;
    if (record.length !== width) throw new RowProblem(row, undefined, `${record.length} fields where the header has ${width}`);
    const cell = (column: string): Cell => ({ value: record[at[column]!]!, row, column });
    const stamp = cell(time);
    const ts = parseTimestamp(stamp);
    if (this.#previous !== undefined && ts <= this.#previous.ts) {
      throw new RowProblem(row, time, `${stamp.value} is not after the previous row's ${this.#previous.value}`);
    }
    this.#previous = { ts, value: stamp.value };
    const [open, high, low, close] = PRICE_COLUMNS.map((column) => positive(cell(column))) as [Fixed, Fixed, Fixed, Fixed];
    if (high < low) throw new RowProblem(row, 'high', `${cell('high').value} is below low ${cell('low').value}`);
    const volume = decimal(cell('volume'));
    if (volume < 0n) throw new RowProblem(row, 'volume', `must not be negative, got ${cell('volume').value}`);
    this.#onCandle({ symbol: this.#options.symbol, timeframe: this.#options.timeframe, ts, open, high, low, close, volume });
    return true;
  }

  /** The end of the input: one without even a header is refused. */
  done(): void {
    if (!this.#header) throw new RowProblem(0, undefined, `no header row; expected the columns ${REQUIRED}`);
  }
}

function csvError(error: unknown, source: string): unknown {
  if (!(error instanceof CsvError)) return error;
  const line = typeof error['lines'] === 'number' ? error['lines'] : 1;
  return invalid(source, line, undefined, error.message, error);
}

/** Column name -> index, and which of its names the time column goes by. */
function locateColumns(header: string[]): { at: Record<string, number>; time: string } {
  const at: Record<string, number> = Object.create(null);
  header.forEach((name, index) => {
    const column = name.toLowerCase();
    // Unnamed columns (a trailing comma) are ignored like any other extra column.
    if (column === '') return;
    if (at[column] !== undefined) throw new RowProblem(0, column, 'appears twice in the header');
    at[column] = index;
  });
  const times = TIME_COLUMNS.filter((column) => at[column] !== undefined);
  if (times.length !== 1) {
    const detail = times.length === 0 ? `missing from the header (expected ${REQUIRED})` : 'both ts and timestamp in the header';
    throw new RowProblem(0, 'ts', detail);
  }
  for (const column of [...PRICE_COLUMNS, 'volume']) {
    if (at[column] === undefined) throw new RowProblem(0, column, `missing from the header (expected ${REQUIRED})`);
  }
  return { at, time: times[0]! };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch times from 10^14 up are not ms (that is past the year 5000) but µs, and from 10^17 up ns: the
 * units of Binance's spot dumps since 2025 and of pandas' exports. Each is divided down to ms.
 */
const FINER_UNITS = [
  { from: 10n ** 17n, per: 1_000_000n },
  { from: 10n ** 14n, per: 1_000n },
];

/** ms since the epoch, given as such (or finer, see `FINER_UNITS`) or as an ISO 8601 date. */
function parseTimestamp(cell: Cell): number {
  if (/^\d+$/.test(cell.value)) {
    const ms = Number(cell.value);
    if (ms < 1e14) return ms;
    const exact = BigInt(cell.value);
    const unit = FINER_UNITS.find((u) => exact >= u.from)!;
    if (exact % unit.per === 0n && exact / unit.per <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(exact / unit.per);
  }
  const iso = ISO_DATE.exec(cell.value);
  if (iso) {
    const [, year, month, day, time, zone] = iso;
    // Date.parse rolls 2024-02-30 over to March 1st rather than refusing it, and reads a time without
    // an offset as local time, which would make a backtest depend on the machine it runs on.
    const valid = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() === Number(day);
    const ms = Date.parse(time === undefined ? `${year}-${month}-${day}` : `${year}-${month}-${day}T${time}${zone ?? 'Z'}`);
    if (valid && !Number.isNaN(ms)) return ms;
  }
  throw new RowProblem(cell.row, cell.column, `"${cell.value.slice(0, 40)}" is neither a whole ms (or µs, ns) since the epoch nor an ISO 8601 date`);
}

function decimal(cell: Cell): Fixed {
  try {
    return toFixed(cell.value, cell.column);
  } catch (error) {
    if (!(error instanceof TradingError)) throw error;
    throw new RowProblem(cell.row, cell.column, error.detail, error);
  }
}

function positive(cell: Cell): Fixed {
  const value = decimal(cell);
  if (value <= 0n) throw new RowProblem(cell.row, cell.column, `must be positive, got ${cell.value}`);
  return value;
}

function invalid(source: string, line: number, column: string | undefined, detail: string, cause?: unknown): TradingError {
  const where = column === undefined ? `${source} line ${line}` : `${source} line ${line}, column ${column}`;
  return new TradingError('ERR_INVALID_CONFIG', `${where}: ${detail}`, { cause });
}
