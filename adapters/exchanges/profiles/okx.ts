import type { ExchangeProfile } from './profile.js';

/** OKX (API v5). */
export const okx: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
  // ccxt's total is the currency's equity `eq` (parseTradingBalance): cash, isolated margin and unrealized P&L.
  // An order's margin mode is its own `tdMode`; set-leverage sets a leverage per margin mode.
  swaps: { options: { fetchMarkets: { types: ['spot', 'swap'] } }, totalIsEquity: true, marginModeOnOrder: true },
};
