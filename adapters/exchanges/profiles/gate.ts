import type { ExchangeProfile } from './profile.js';

/** Gate (API v4). */
export const gate: ExchangeProfile = {
  testnet: true,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
  // USDT-settled perpetuals (/futures/usdt): ccxt's own default also loads the BTC-settled (inverse) ones, which v3 does not trade.
  swaps: {
    options: { fetchMarkets: { types: ['spot', 'swap'] }, swap: { fetchMarkets: { settlementCurrencies: ['usdt'] } } },
    // ccxt's total is the futures account's `total` as sent (gate.js parseBalanceHelper), which Gate keeps without unrealized P&L.
    totalIsEquity: false,
  },
};
