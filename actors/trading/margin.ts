import { abs, div, mul, ONE, type Fixed } from './fixed.js';

/**
 * Margin of a linear perpetual position (one-way mode: one signed quantity per symbol, long > 0), the
 * way USDT-margined venues count it. The trader shows these figures and checks orders with them; the
 * paper exchange liquidates and charges with the same functions, so both agree on where a position ends.
 *
 * `collateral` is what backs the position: in isolated margin, its own initial margin; in cross margin,
 * the wallet's balance less what the other positions use.
 */
export type MarginMode = 'isolated' | 'cross';

/** Notional of `quantity` (either sign) at `price`, divided by the leverage. */
export function initialMargin(quantity: Fixed, price: Fixed, leverage: number): Fixed {
  return div(mul(abs(quantity), price), BigInt(leverage) * ONE);
}

/** What the position must keep at `mark`: the maintenance rate of its notional. */
export function maintenanceMargin(quantity: Fixed, mark: Fixed, rate: Fixed): Fixed {
  return mul(mul(abs(quantity), mark), rate);
}

/**
 * The mark at which collateral plus unrealized P&L falls to the maintenance margin: solving
 * `C + q (P - E) = m |q| P` for P gives `(q E - C) / (q - m |q|)`. Undefined for a flat position and
 * for a long its collateral covers all the way down to zero.
 *
 * @example
 * ```ts
 * // 1 BTC long at 100,000 on 10x isolated (10,000 of margin), maintenance 0.5 %:
 * liquidationPrice(ONE, 100_000n * ONE, 10_000n * ONE, 5n * ONE / 1000n) // 90452.261306533 (about 9.5 % below)
 * ```
 */
export function liquidationPrice(quantity: Fixed, entry: Fixed, collateral: Fixed, rate: Fixed): Fixed | undefined {
  if (quantity === 0n) return undefined;
  // The divisor unrounded (in 10^-18 units): the rate of a tiny position rounded to 10^-9 would be far off.
  const price = div((mul(quantity, entry) - collateral) * ONE, quantity * ONE - rate * abs(quantity));
  return price > 0n ? price : undefined;
}

/**
 * Maintenance margin over what backs the position at `mark` (collateral plus unrealized P&L): 1 (ONE)
 * or more is liquidation. A position whose backing is gone reports ONE.
 */
export function marginRatio(quantity: Fixed, entry: Fixed, collateral: Fixed, mark: Fixed, rate: Fixed): Fixed {
  return ratioOf(maintenanceMargin(quantity, mark, rate), collateral + mul(mark - entry, quantity));
}

/** Maintenance over the balance that backs it, at most ONE (liquidation); ONE when the balance is gone. Positions summed, for a whole account. */
export function ratioOf(maintenance: Fixed, balance: Fixed): Fixed {
  if (balance <= 0n) return ONE;
  const ratio = div(maintenance, balance);
  return ratio < ONE ? ratio : ONE;
}

/** What a position pays (negative) or receives at a funding time: longs pay a positive rate to shorts. */
export function fundingPayment(quantity: Fixed, mark: Fixed, rate: Fixed): Fixed {
  return -mul(mul(quantity, mark), rate);
}
