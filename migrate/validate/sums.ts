import { Big } from 'big.js';

const FINITE = /^-?\d+(\.\d+)?$/;

/**
 * Exact sum of NUMERIC values as PostgreSQL prints them; NULL is 0. A NaN or an infinity anywhere
 * makes the sum `NaN`, as PostgreSQL's `sum` does, so both sides of a check still compare.
 */
export function addDecimals(...values: (string | null)[]): string {
  let total = new Big(0);
  for (const value of values) {
    if (value === null) continue;
    if (!FINITE.test(value)) return 'NaN';
    total = total.plus(value);
  }
  return total.toFixed();
}

/** Whether two NUMERIC texts are the same number (`1.50` and `1.5` are). */
export function sameDecimal(a: string, b: string): boolean {
  if (!FINITE.test(a) || !FINITE.test(b)) return a === b;
  return new Big(a).eq(b);
}
