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
  /** Perpetual -> the listed spot market it takes its candles from: a walk of its own would drift away from its spot. */
  readonly #follows: Map<string, string>;
  #ts: number;

  constructor(options: { markets: readonly PaperMarket[]; seed: number; timeframeMs: number; startTs: number }, snapshot?: WalkSnapshot) {
    this.#markets = options.markets;
    this.#timeframeMs = options.timeframeMs;
    this.#rng = snapshot ? xoroshiro128plus.fromState(snapshot.rng) : xoroshiro128plus(options.seed);
    this.#last = snapshot ? { ...snapshot.last } : Object.fromEntries(options.markets.map((m) => [m.symbol, m.startPrice]));
    this.#ts = snapshot?.ts ?? options.startTs;
    const listed = new Set(options.markets.map((m) => m.symbol));
    this.#follows = new Map(options.markets.flatMap((m) => (m.index !== undefined && listed.has(m.index) ? [[m.symbol, m.index] as const] : [])));
  }

  last(symbol: string): Fixed | undefined {
    return this.#last[symbol];
  }

  /** The next candle of every market; a perpetual whose spot market is listed too gets the spot's candle. */
  next(timeframe: string): Candle[] {
    const ts = this.#ts;
    this.#ts += this.#timeframeMs;
    const walked = new Map<string, Candle>();
    for (const market of this.#markets) if (!this.#follows.has(market.symbol)) walked.set(market.symbol, this.#step(market, timeframe, ts));
    return this.#markets.map((market) => {
      const index = this.#follows.get(market.symbol);
      if (index === undefined) return walked.get(market.symbol)!;
      const candle = { ...walked.get(index)!, symbol: market.symbol };
      this.#last[market.symbol] = candle.close;
      return candle;
    });
  }

  #step(market: PaperMarket, timeframe: string, ts: number): Candle {
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
