import type { ExchangeProfile } from './profile.js';

/** Bitget (API v2). */
export const bitget: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
