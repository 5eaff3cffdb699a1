import type { ExchangeProfile } from './profile.js';

/** OKX (API v5). */
export const okx: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
  // ccxt's total is the currency's equity (`eq`), unrealized P&L included.
  swaps: { options: { fetchMarkets: { types: ['spot', 'swap'] } }, totalIsEquity: true },
};
