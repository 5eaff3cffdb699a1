/** Quote currencies recognised when a v2 exchange-native symbol (`BTCUSDT`) has no separator. Longest first. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'USD', 'EUR', 'TRY', 'BTC', 'ETH', 'BNB'];

/**
 * Turns an exchange-native symbol into the unified `BASE/QUOTE` form: `BTCUSDT`, `BTC-USDT`, `btc_usdt`
 * and `BTC/USDT` all give `BTC/USDT`. A unified swap symbol keeps its settle currency (ccxt's
 * `BTC/USDT:USDT`, a linear perpetual). Returns undefined when no split is possible.
 */
export function normalizeSymbol(symbol: string): string | undefined {
  const upper = symbol.trim().toUpperCase();
  if (/^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+$/.test(upper)) return upper;
  // Letters and digits only around the separator: `BTC USDT` or `BTC/US DT` is a typo, not a market.
  if (!/^[A-Z0-9]+([/\-_][A-Z0-9]+)?$/.test(upper)) return undefined;
  const parts = upper.split(/[/\-_]/);
  if (parts.length === 2) return parts[0] && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  if (parts.length !== 1) return undefined;
  const quote = QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
  return quote ? `${upper.slice(0, -quote.length)}/${quote}` : undefined;
}

/** The parts of a unified symbol: `BTC/USDT:USDT` is base BTC, quote USDT, settled in USDT (a swap). */
export function symbolParts(symbol: string): { base: string; quote: string; settle?: string } {
  const [pair, settle] = symbol.split(':') as [string, string | undefined];
  const [base, quote] = pair.split('/') as [string, string];
  return settle === undefined ? { base, quote } : { base, quote, settle };
}

/** Whether a unified symbol names a perpetual (`BTC/USDT:USDT`, with its settle currency) rather than spot. */
export function isSwapSymbol(symbol: string): boolean {
  return symbol.includes(':');
}

/** The linear perpetual of a spot symbol: `BTC/USDT` -> `BTC/USDT:USDT`. */
export function swapSymbol(spot: string): string {
  return `${spot}:${symbolParts(spot).quote}`;
}
