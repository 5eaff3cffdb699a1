/** Quote currencies recognised when a v2 exchange-native symbol (`BTCUSDT`) has no separator. Longest first. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'USD', 'EUR', 'TRY', 'BTC', 'ETH', 'BNB'];

/**
 * Turns an exchange-native symbol into the unified `BASE/QUOTE` form: `BTCUSDT`, `BTC-USDT`, `btc_usdt`
 * and `BTC/USDT` all give `BTC/USDT`. Returns undefined when no split is possible.
 */
export function normalizeSymbol(symbol: string): string | undefined {
  const upper = symbol.trim().toUpperCase();
  // Letters and digits only around the separator: `BTC USDT` or `BTC/US DT` is a typo, not a market.
  if (!/^[A-Z0-9]+([/\-_][A-Z0-9]+)?$/.test(upper)) return undefined;
  const parts = upper.split(/[/\-_]/);
  if (parts.length === 2) return parts[0] && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  if (parts.length !== 1) return undefined;
  const quote = QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
  return quote ? `${upper.slice(0, -quote.length)}/${quote}` : undefined;
}
