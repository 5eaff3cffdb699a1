import type { ExchangeProfile } from './profile.js';

/** bybit: spot markets only. */
export const bybit: ExchangeProfile = {
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
