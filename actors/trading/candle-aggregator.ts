import { max, min } from './fixed.js';
import type { Candle } from './market.js';
import { parseTimeframe } from './timeframe.js';

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
  /** Length of the candles fed, by their timeframe: parsed once each. */
  readonly #lengths = new Map<string, number>();

  constructor(timeframe: string, open: Record<string, Candle> = {}) {
    this.#timeframe = timeframe;
    this.#ms = parseTimeframe(timeframe);
    this.#open = open;
  }

  /** Takes one candle; returns the bars it closed, oldest first (none, one, or a bar a gap left open and the new one). */
  add(candle: Candle): Candle[] {
    if (candle.timeframe === this.#timeframe) return [candle];
    const start = Math.floor(candle.ts / this.#ms) * this.#ms;
    const ends = candle.ts + this.#length(candle.timeframe) >= start + this.#ms;
    const bar = this.#open[candle.symbol];
    if (bar && bar.ts === start) {
      bar.high = max(bar.high, candle.high);
      bar.low = min(bar.low, candle.low);
      bar.close = candle.close;
      bar.volume += candle.volume;
      if (!ends) return [];
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
