import type { ExchangeProfile } from './profile.js';

/** Bybit (API v5, unified and classic accounts). */
export const bybit: ExchangeProfile = {
  testnet: true,
  options: {
    defaultType: 'spot',
    fetchMarkets: { types: ['spot'] },
    // On unified accounts ccxt refuses fetchOrder until told that Bybit only finds an account's last 500 orders by id.
    fetchOrder: { acknowledged: true },
  },
  // ccxt's total is the wallet balance.
  swaps: { options: { fetchMarkets: { types: ['spot', 'linear'] } }, totalIsEquity: false },
  // "Set leverage not modified": the leverage is already what was asked.
  errorCodes: { '110043': 'NoChange' },
};
