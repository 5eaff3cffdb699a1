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
  /** Per symbol, its series, the index of its next candle and that candle (read once: columns make one per read). */
  readonly #cursors: { symbol: string; series: CandleSeries; index: number; candle: Candle | undefined }[];
  /** Steps taken: the snapshot, from which the cursors are found again by stepping. */
  #index = 0;

  constructor(series: Record<string, CandleSeries>, snapshot?: { index: number }) {
    this.#cursors = Object.entries(series).map(([symbol, candles]) => ({ symbol, series: candles, index: 0, candle: candles.at(0) }));
    for (let i = 0; i < (snapshot?.index ?? 0); i++) this.next();
  }

  last(symbol: string): Fixed | undefined {
    const cursor = this.#cursors.find((c) => c.symbol === symbol);
    if (!cursor || cursor.series.length === 0) return undefined;
    return cursor.index === 0 ? cursor.candle!.open : cursor.series.at(cursor.index - 1)!.close;
  }

  next(): Candle[] {
    let at = Infinity;
    for (const { candle } of this.#cursors) if (candle && candle.ts < at) at = candle.ts;
    const out: Candle[] = [];
    if (at === Infinity) return out;
    for (const cursor of this.#cursors) {
      if (cursor.candle?.ts !== at) continue;
      out.push(cursor.candle);
      cursor.candle = cursor.series.at(++cursor.index);
    }
    this.#index++;
    return out;
  }

  /** Every series handed out to its end. */
  get ended(): boolean {
    return this.#cursors.every((c) => c.candle === undefined);
  }

  snapshot(): { index: number } {
    return { index: this.#index };
  }
}
