import type { ExchangeProfile } from './profile.js';

/**
 * KuCoin Futures: ccxt's `kucoinfutures`, an exchange of its own beside KuCoin's spot one (its own API
 * host, account and keys), with perpetuals only.
 */
export const kucoinfutures: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'swap' },
  swaps: {
    // ccxt's defaults already load the perpetuals only (one `/contracts/active`); nothing to add.
    options: {},
    // ccxt's total is the futures account's `accountEquity` (kucoin.js 8454), which KuCoin states as marginBalance plus unrealised PNL.
    totalIsEquity: true,
    // An order carries its margin mode (`marginMode`, ISOLATED unless told), and KuCoin refuses one unlike the symbol's (330005).
    marginModeOnOrder: true,
    // ccxt sets cross leverage only (kucoin.js setContractLeverage): an isolated position's is each order's, 1 unless told.
    leverageOnOrder: true,
  },
  // KuCoin's rate-limit answer (HTTP 429, code 429000) would otherwise be a plain exchange error, never retried.
  errorCodes: { '429000': 'RateLimitExceeded' },
};
