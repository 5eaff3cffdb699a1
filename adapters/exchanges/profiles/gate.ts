import type { ExchangeProfile } from './profile.js';

/** Gate (API v4). */
export const gate: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
