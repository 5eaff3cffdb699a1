import type { ExchangeProfile } from './profile.js';

/** OKX (API v5). */
export const okx: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
