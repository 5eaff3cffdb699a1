/**
 * What the platform sets on one exchange's ccxt client: one file per exchange, so each exchange's
 * particulars (an extra call to switch off, a parameter of its own) sit in one place.
 */
export interface ExchangeProfile {
  /** Whether ccxt can switch it to a testnet (`sandbox: true` in the config). */
  testnet: boolean;
  /** ccxt `options` for spot trading: markets of other types are not loaded, so `BTC/USDT` can only mean spot. */
  options: Record<string, unknown>;
  /** Linear perpetuals, where v3 trades them on this exchange. */
  swaps?: {
    /** Merged over `options` where a trader trades a perpetual: swap markets load beside spot (`BTC/USDT:USDT` beside `BTC/USDT`). */
    options: Record<string, unknown>;
    /** Whether ccxt's `total` of the futures wallet includes unrealized P&L (it does for some exchanges, not others); the ledger is the wallet without it. */
    totalIsEquity: boolean;
    /** Where ccxt's `fetchOrderTrades` is spot-only: the parameter of `fetchMyTrades` that selects one order's trades. */
    orderTradesParam?: string;
    /** The venue takes the margin mode from each order, not from the symbol (OKX's `tdMode`): ccxt's default there is cross. */
    marginModeOnOrder?: boolean;
    /** An isolated position's leverage is each order's (KuCoin Futures; ccxt sets only cross leverage there), sent with every order. */
    leverageOnOrder?: boolean;
    /** The margin mode is the whole account's, not a symbol's (Bybit's unified account): an account's traders must agree on it. */
    marginModePerAccount?: boolean;
    /** ccxt passes the venue's funding as a fee (Bybit's `execFee`: positive when paid), not as cash received: its sign is turned. */
    fundingIsFee?: boolean;
  };
  /** Error codes the exchange sends that ccxt's table lacks, with the ccxt error class they are. */
  errorCodes?: Record<string, 'RateLimitExceeded' | 'ExchangeNotAvailable' | 'InsufficientFunds' | 'AuthenticationError' | 'InvalidOrder' | 'NoChange'>;
}
