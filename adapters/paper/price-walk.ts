import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { fixedToNumber, roundToStep, toFixed, type Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';
import type { PaperMarket } from './markets.js';

const YEAR_S = 365 * 24 * 3600;
/** Price steps simulated inside each candle, for its high and low. */
const SUB_STEPS = 8;

export interface WalkSnapshot {
  rng: readonly number[];
  last: Record<string, Fixed>;
  ts: number;
}

/**
 * Simulated market data: a geometric random walk per symbol, seeded, so the same seed always gives
 * the same candles. The model runs in float64 (it is a model, not money); every price it outputs is
 * rounded to the market's tick and handed out as an exact Fixed.
 */
export class PriceWalk {
  readonly #markets: readonly PaperMarket[];
  readonly #timeframeMs: number;
  readonly #rng: RandomGenerator;
  readonly #last: Record<string, Fixed>;
  #ts: number;

  constructor(options: { markets: readonly PaperMarket[]; seed: number; timeframeMs: number; startTs: number }, snapshot?: WalkSnapshot) {
    this.#markets = options.markets;
    this.#timeframeMs = options.timeframeMs;
    this.#rng = snapshot ? xoroshiro128plus.fromState(snapshot.rng) : xoroshiro128plus(options.seed);
    this.#last = snapshot ? { ...snapshot.last } : Object.fromEntries(options.markets.map((m) => [m.symbol, m.startPrice]));
    this.#ts = snapshot?.ts ?? options.startTs;
  }

  last(symbol: string): Fixed | undefined {
    return this.#last[symbol];
  }

  /** The next candle of every market. */
  next(timeframe: string): Candle[] {
    const ts = this.#ts;
    this.#ts += this.#timeframeMs;
    return this.#markets.map((market) => {
      const sigma = market.volatility * Math.sqrt(this.#timeframeMs / 1000 / YEAR_S / SUB_STEPS);
      const open = this.#last[market.symbol]!;
      let price = fixedToNumber(open);
      let high = price;
      let low = price;
      for (let i = 0; i < SUB_STEPS; i++) {
        price *= Math.exp(sigma * this.#gaussian() - (sigma * sigma) / 2);
        high = Math.max(high, price);
        low = Math.min(low, price);
      }
      const close = this.#toPrice(market, price);
      this.#last[market.symbol] = close;
      const volume = roundToStep(market.levelQuantity * BigInt(1 + (this.#uniform() * 20) | 0), market.amountStep, 'down');
      return { symbol: market.symbol, timeframe, ts, open, high: this.#toPrice(market, high), low: this.#toPrice(market, low), close, volume };
    });
  }

  snapshot(): WalkSnapshot {
    return { rng: this.#rng.getState(), last: { ...this.#last }, ts: this.#ts };
  }

  #toPrice(market: PaperMarket, price: number): Fixed {
    return roundToStep(toFixed(price.toPrecision(12), market.symbol), market.priceStep, 'half-even');
  }

  #uniform(): number {
    return (this.#rng.unsafeNext() >>> 0) / 2 ** 32;
  }

  /** Box-Muller. */
  #gaussian(): number {
    const u = 1 - this.#uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#uniform());
  }
}
