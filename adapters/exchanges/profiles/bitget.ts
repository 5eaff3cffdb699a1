import type { ExchangeProfile } from './profile.js';

/** Bitget (API v2). */
export const bitget: ExchangeProfile = {
  testnet: false,
  options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] } },
  // USDT-M futures (v2 mix, productType USDT-FUTURES). ccxt knows no 'linear' type here: 'swap' loads every productType's
  // contracts (six requests), and v3 keeps the linear ones.
  swaps: {
    options: { fetchMarkets: { types: ['spot', 'swap'] } },
    // ccxt's total of the futures wallet is its `accountEquity`, unrealized P&L included.
    totalIsEquity: true,
    // ccxt's fetchOrderTrades is not implemented for Bitget; its futures fills take the order's id.
    orderTradesParam: 'orderId',
    // Each futures order names its margin mode, and ccxt sends `crossed` unless told.
    marginModeOnOrder: true,
  },
};
