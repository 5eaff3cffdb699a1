import type { ExchangeProfile } from './profile.js';

/** htx: spot markets only. */
export const htx: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: { spot: true, linear: false, inverse: false } } },
};
