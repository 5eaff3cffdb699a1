/**
 * What the platform sets on one exchange's ccxt client: one file per exchange, so each exchange's
 * particulars (an extra call to switch off, a parameter of its own) sit in one place.
 */
export interface ExchangeProfile {
  /** Whether ccxt can switch it to a testnet (`sandbox: true` in the config). */
  testnet: boolean;
  /** ccxt `options` for spot trading: markets of other types are not loaded, so `BTC/USDT` can only mean spot. */
  options: Record<string, unknown>;
  /** Error codes the exchange sends that ccxt's table lacks, with the ccxt error class they are. */
  errorCodes?: Record<string, 'RateLimitExceeded' | 'ExchangeNotAvailable' | 'InsufficientFunds' | 'AuthenticationError' | 'InvalidOrder'>;
}
