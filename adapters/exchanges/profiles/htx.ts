import type { ExchangeProfile } from './profile.js';

/** HTX, formerly Huobi. */
export const htx: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: { spot: true, linear: false, inverse: false } } },
};
