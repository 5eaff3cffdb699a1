import type { ExchangeProfile } from './profile.js';

/** KuCoin (high-frequency spot API). */
export const kucoin: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
  // KuCoin's rate-limit answer (HTTP 429, code 429000) would otherwise be a plain exchange error, never retried.
  errorCodes: { '429000': 'RateLimitExceeded' },
};
