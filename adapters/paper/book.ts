import { min, mul, roundToStep, type Fixed } from '../../actors/trading/fixed.js';
import type { Side } from '../../actors/trading/order.js';
import type { PaperMarket } from './markets.js';

export interface Level {
  price: Fixed;
  quantity: Fixed;
}

const BPS = 10_000n;

/**
 * The simulated order book of one market around the last price: `levels` levels per side, each
 * `levelQuantity` deep. Liquidity taken stays taken until the next candle refreshes the book, so a
 * burst of market orders walks the book and pays growing slippage, as on a real venue.
 */
export class SimulatedBook {
  readonly #market: PaperMarket;
  #mid: Fixed = 0n;
  /** Quantity already taken per level since the last refresh: asks then bids. */
  #takenBySide: { buy: Fixed[]; sell: Fixed[] } = { buy: [], sell: [] };
  /** A candle came since the levels were last counted. */
  #stale = true;

  constructor(market: PaperMarket, mid: Fixed) {
    this.#market = market;
    this.refresh(mid);
  }

  /** A new candle: the book around its close, all its liquidity back. Counted lazily: most candles see no order. */
  refresh(mid: Fixed): void {
    this.#mid = mid;
    this.#stale = true;
  }

  #taken(side: Side): Fixed[] {
    if (this.#stale) {
      this.#stale = false;
      this.#takenBySide = { buy: new Array<Fixed>(this.#market.levels).fill(0n), sell: new Array<Fixed>(this.#market.levels).fill(0n) };
    }
    return this.#takenBySide[side];
  }

  /** Price of level `i` on the side a `side` order takes from (asks for a buy, bids for a sell). */
  levelPrice(side: Side, i: number): Fixed {
    const m = this.#market;
    const offset = (this.#mid * (BigInt(m.halfSpreadBps) + BigInt(m.levelBps * i))) / BPS;
    return side === 'buy'
      ? roundToStep(this.#mid + offset, m.priceStep, 'up')
      : roundToStep(this.#mid - offset, m.priceStep, 'down');
  }

  /**
   * Takes up to `quantity` from the book, best level first, not beyond `limit` when given. Returns
   * the fills per level; what is left unfilled is the caller's to rest or expire. With `dryRun` the
   * book is left as it was, to price an order before checking the balance that pays for it.
   */
  sweep(side: Side, quantity: Fixed, limit: Fixed | undefined, dryRun = false): Level[] {
    const fills: Level[] = [];
    const taken = this.#taken(side);
    let left = quantity;
    for (let i = 0; i < this.#market.levels && left > 0n; i++) {
      const price = this.levelPrice(side, i);
      if (limit !== undefined && (side === 'buy' ? price > limit : price < limit)) break;
      const available = this.#market.levelQuantity - taken[i]!;
      if (available <= 0n) continue;
      const take = min(available, left);
      if (!dryRun) taken[i] = taken[i]! + take;
      left -= take;
      fills.push({ price, quantity: take });
    }
    return fills;
  }

  /**
   * Quote cost of the fills plus the taker fee: what a market buy must be able to pay. The fee is
   * rounded per fill, as the engine charges it; one fee on the summed notional can round below their
   * sum and leave the reservation a few 10^-9 short of what the fills settle.
   */
  static cost(fills: Level[], feeRate: Fixed): Fixed {
    let total = 0n;
    for (const fill of fills) {
      const notional = mul(fill.price, fill.quantity);
      total += notional + mul(notional, feeRate);
    }
    return total;
  }
}
