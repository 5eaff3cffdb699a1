import type { ExchangeProfile } from './profile.js';

/** gate: spot markets only. */
export const gate: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
