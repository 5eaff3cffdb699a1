import type { ExchangeProfile } from './profile.js';

/** kucoin: spot markets only. */
export const kucoin: ExchangeProfile = {
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
};
