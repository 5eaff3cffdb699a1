import type { ExchangeProfile } from './profile.js';

/** okx: spot markets only. */
export const okx: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
