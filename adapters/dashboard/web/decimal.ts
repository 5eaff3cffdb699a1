/**
 * Amounts as the API sends them, exact decimal strings ("12345.678901"), formatted for people without
 * ever becoming a float: rounding is done on the digits (half away from zero, as the trading core
 * rounds), so a balance of 0.1 + 0.2 shows as 0.30, never 0.30000000000000004 or a rounded-away cent.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** `text` rounded to `places` decimals and grouped in thousands: `format("-1234.5678", 2)` is `"-1,234.57"`. */
export function formatDecimal(text: string | null | undefined, places = 2): string {
  if (text === null || text === undefined || text === '') return '—';
  const match = DECIMAL.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ''] = match;
  const digits = BigInt(whole! + fraction.padEnd(places, '0').slice(0, places));
  // The first dropped digit decides: 5 or more rounds the magnitude up.
  const rounded = digits + ((fraction[places] ?? '0') >= '5' ? 1n : 0n);
  const padded = rounded.toString().padStart(places + 1, '0');
  const integer = padded.slice(0, padded.length - places);
  const decimals = padded.slice(padded.length - places);
  const negative = sign === '-' && rounded !== 0n;
  return `${negative ? '-' : ''}${group(integer)}${places > 0 ? `.${decimals}` : ''}`;
}

/** A signed amount with its sign always shown, for P&L: `+12.50`, `-3.00`. */
export function formatSigned(text: string | null | undefined, places = 2): string {
  const formatted = formatDecimal(text, places);
  return /^\d/.test(formatted) && formatted.replace(/[0.,]/g, '') !== '' ? `+${formatted}` : formatted;
}

/** -1, 0 or 1 by the sign of a decimal string (0 for what is not one). */
export function signOf(text: string | null | undefined): -1 | 0 | 1 {
  const match = DECIMAL.exec(text ?? '');
  if (!match || /^0*$/.test(match[2]! + (match[3] ?? ''))) return 0;
  return match[1] === '-' ? -1 : 1;
}

/** A ratio as a percentage (`0.1234` → `12.34 %`); ratios are plain numbers in the API. */
export function formatPercent(ratio: number | null | undefined, places = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  // A loss too small to show is no loss: "0.00 %", not "-0.00 %".
  return `${(ratio * 100).toFixed(places).replace(/^-(?=[0.]*$)/, '')} %`;
}

function group(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The exact sum of decimal strings (those that are not one are skipped): the portfolio's totals. */
export function sumDecimals(values: readonly (string | null | undefined)[]): string {
  const parsed = values.flatMap((v) => (v !== null && v !== undefined && DECIMAL.test(v) ? [DECIMAL.exec(v)!] : []));
  const scale = Math.max(0, ...parsed.map((m) => (m[3] ?? '').length));
  let total = 0n;
  for (const [, sign, whole, fraction = ''] of parsed) total += (sign === '-' ? -1n : 1n) * BigInt(whole! + fraction.padEnd(scale, '0'));
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  return `${negative ? '-' : ''}${integer}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
}
