import { max, min } from './fixed.js';
import type { Candle } from './market.js';
import { parseTimeframe } from './timeframe.js';

/**
 * Builds candles of a longer timeframe (a strategy's `15m`) from shorter ones (the exchange's `1m`).
 * A bar is handed out when the first candle of the next bar arrives, as exchanges close bars. The
 * open bars are plain data, kept in the trader's snapshot.
 */
export class CandleAggregator {
  readonly #timeframe: string;
  readonly #ms: number;
  readonly #open: Record<string, Candle>;

  constructor(timeframe: string, open: Record<string, Candle> = {}) {
    this.#timeframe = timeframe;
    this.#ms = parseTimeframe(timeframe);
    this.#open = open;
  }

  /** Takes one candle; returns the bar it completed, if any. */
  add(candle: Candle): Candle | undefined {
    if (candle.timeframe === this.#timeframe) return candle;
    const start = Math.floor(candle.ts / this.#ms) * this.#ms;
    const bar = this.#open[candle.symbol];
    if (bar && bar.ts === start) {
      bar.high = max(bar.high, candle.high);
      bar.low = min(bar.low, candle.low);
      bar.close = candle.close;
      bar.volume += candle.volume;
      return undefined;
    }
    this.#open[candle.symbol] = { ...candle, timeframe: this.#timeframe, ts: start };
    return bar;
  }

  snapshot(): Record<string, Candle> {
    return this.#open;
  }
}
