import type { ExchangeProfile } from './profile.js';

/** Binance (spot API v3). */
export const binance: ExchangeProfile = {
  testnet: true,
  // Binance's margin pairs are a private call per load, for margin flags spot trading does not use.
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchMargins: false },
};
