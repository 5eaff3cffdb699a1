import { max, min } from './fixed.js';
import type { Candle } from './market.js';
import { parseTimeframe } from './timeframe.js';

const NONE: readonly Candle[] = Object.freeze([]);

/**
 * Builds candles of a longer timeframe (a strategy's `15m`) from shorter ones (the exchange's `1m`).
 * A bar is handed out as soon as the candle that ends it arrives (the one of 14:59 closes the 14:45 bar
 * of 15m), as exchanges close bars; one that a gap in the data left open is handed out when a candle of
 * a later bar arrives. The open bars are plain data, kept in the trader's snapshot.
 */
export class CandleAggregator {
  readonly #timeframe: string;
  readonly #ms: number;
  readonly #open: Record<string, Candle>;
  /** The array a candle already of the target timeframe is handed back in. */
  readonly #same: Candle[] = [];
  /** Length of the candles fed, by their timeframe: parsed once each. */
  readonly #lengths = new Map<string, number>();

  constructor(timeframe: string, open: Record<string, Candle> = {}) {
    this.#timeframe = timeframe;
    this.#ms = parseTimeframe(timeframe);
    this.#open = open;
  }

  /**
   * Takes one candle; returns the bars it closed, oldest first (none, one, or a bar a gap left open and
   * the new one). Read the result before the next call: a candle of the target timeframe comes back in
   * an array that call reuses (it is one per candle a backtest runs).
   */
  add(candle: Candle): readonly Candle[] {
    if (candle.timeframe === this.#timeframe) {
      this.#same[0] = candle;
      return this.#same;
    }
    const start = Math.floor(candle.ts / this.#ms) * this.#ms;
    const ends = candle.ts + this.#length(candle.timeframe) >= start + this.#ms;
    const bar = this.#open[candle.symbol];
    if (bar && bar.ts === start) {
      bar.high = max(bar.high, candle.high);
      bar.low = min(bar.low, candle.low);
      bar.close = candle.close;
      bar.volume += candle.volume;
      if (!ends) return NONE;
      delete this.#open[candle.symbol];
      return [bar];
    }
    const fresh = { ...candle, timeframe: this.#timeframe, ts: start };
    if (ends) delete this.#open[candle.symbol];
    else this.#open[candle.symbol] = fresh;
    const closed = bar ? [bar] : [];
    if (ends) closed.push(fresh);
    return closed;
  }

  snapshot(): Record<string, Candle> {
    return this.#open;
  }

  #length(timeframe: string): number {
    let length = this.#lengths.get(timeframe);
    if (length === undefined) this.#lengths.set(timeframe, (length = parseTimeframe(timeframe)));
    return length;
  }
}
