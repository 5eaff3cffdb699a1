import type { Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';
import type { CandleSeries } from '../market-data/candle-series.js';

/**
 * Market data replayed from recorded candles (a series per symbol). Each `next()` is one step of the
 * merged timeline: the candles of every symbol that has one at the earliest time not yet handed out,
 * so series that start at different times or have gaps stay aligned by time. A symbol whose series
 * ran out stays at its last close.
 */
export class CandleReplay {
  readonly #series: Map<string, CandleSeries>;
  /** Per symbol, the index of its next candle and that candle (read once: columns make one per read). */
  readonly #next = new Map<string, { index: number; candle: Candle | undefined }>();
  /** Steps taken: the snapshot, from which the cursors are found again by stepping. */
  #index = 0;

  constructor(series: Record<string, CandleSeries>, snapshot?: { index: number }) {
    this.#series = new Map(Object.entries(series));
    for (const [symbol, candles] of this.#series) this.#next.set(symbol, { index: 0, candle: candles.at(0) });
    for (let i = 0; i < (snapshot?.index ?? 0); i++) this.next();
  }

  last(symbol: string): Fixed | undefined {
    const candles = this.#series.get(symbol);
    const next = this.#next.get(symbol);
    if (!candles || !next || candles.length === 0) return undefined;
    return next.index === 0 ? next.candle!.open : candles.at(next.index - 1)!.close;
  }

  next(): Candle[] {
    let at = Infinity;
    for (const { candle } of this.#next.values()) if (candle && candle.ts < at) at = candle.ts;
    const out: Candle[] = [];
    if (at === Infinity) return out;
    for (const [symbol, next] of this.#next) {
      if (next.candle?.ts !== at) continue;
      out.push(next.candle);
      next.index++;
      next.candle = this.#series.get(symbol)!.at(next.index);
    }
    this.#index++;
    return out;
  }

  /** Every series handed out to its end. */
  get ended(): boolean {
    for (const { candle } of this.#next.values()) if (candle) return false;
    return true;
  }

  snapshot(): { index: number } {
    return { index: this.#index };
  }
}
