import type { ExchangeProfile } from './profile.js';

/** Binance (spot API v3). */
export const binance: ExchangeProfile = {
  testnet: true,
  // Binance's margin pairs are a private call per load, for margin flags spot trading does not use.
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchMargins: false },
  // USDⓈ-M futures (fapi); ccxt's total of its wallet is the margin balance, unrealized P&L included.
  swaps: { options: { fetchMarkets: { types: ['spot', 'linear'] } }, totalIsEquity: true, orderTradesParam: 'orderId' },
};
