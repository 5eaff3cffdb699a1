import type { ExchangeProfile } from './profile.js';

/** bybit: spot markets only. */
export const bybit: ExchangeProfile = {
  testnet: true,
  options: {
    defaultType: 'spot',
    fetchMarkets: { types: ['spot'] },
    // On unified accounts ccxt refuses fetchOrder until told that Bybit only finds an account's last 500 orders by id.
    fetchOrder: { acknowledged: true },
  },
};
