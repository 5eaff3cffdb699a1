import type { ExchangeProfile } from './profile.js';

/** bitget: spot markets only. */
export const bitget: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
