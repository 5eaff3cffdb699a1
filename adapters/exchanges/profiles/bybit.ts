import type { ExchangeProfile } from './profile.js';

/** Bybit (API v5, unified and classic accounts). */
export const bybit: ExchangeProfile = {
  testnet: true,
  options: {
    defaultType: 'spot',
    fetchMarkets: { types: ['spot'] },
    // On unified accounts ccxt refuses fetchOrder until told that Bybit only finds an account's last 500 orders by id.
    fetchOrder: { acknowledged: true },
  },
  // USDT perpetuals (category linear). ccxt's total is the coin's `walletBalance` (bybit.js 3673), unrealized P&L not in it (that is `equity`).
  swaps: {
    options: {
      fetchMarkets: { types: ['spot', 'linear'] },
      // fetchPositions() without a symbol takes its category from the default type, here spot, which
      // /v5/position/list refuses; as swap it asks category linear with settleCoin USDT (bybit.js 6796-6816).
      fetchPositions: { type: 'swap' },
    },
    totalIsEquity: false,
    // A unified account's margin mode is the account's (bybit.js 7162-7182: the symbol is not sent).
    marginModePerAccount: true,
    // ccxt reads funding from `execFee`, which Bybit signs as a fee (ccxt issue 26404).
    fundingIsFee: true,
  },
  // "Set leverage not modified": the leverage is already what was asked.
  errorCodes: { '110043': 'NoChange' },
};
