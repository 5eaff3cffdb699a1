import { expect, test } from 'vitest';
import { normalizeSymbol } from '../../../actors/trading/symbol.js';

test.each([
  ['BTC/USDT', 'BTC/USDT'],
  ['BTCUSDT', 'BTC/USDT'],
  ['BTC-USDT', 'BTC/USDT'],
  ['btc_usdt', 'BTC/USDT'],
  ['  ethusdt ', 'ETH/USDT'],
  ['ETHBTC', 'ETH/BTC'],
  ['SOLUSDC', 'SOL/USDC'],
  // Longest quote first: FDUSD, not USD; TUSD, not USD.
  ['BTCFDUSD', 'BTC/FDUSD'],
  ['BTCTUSD', 'BTC/TUSD'],
  ['XRPEUR', 'XRP/EUR'],
  ['1000PEPE/USDT', '1000PEPE/USDT'],
])('%s -> %s', (input, expected) => {
  expect(normalizeSymbol(input)).toBe(expected);
});

test.each([
  ['', 'empty'],
  ['BTC', 'a quote alone'],
  ['USDT', 'a quote alone'],
  ['BTCXYZ', 'an unknown quote'],
  ['BTC/', 'a missing quote'],
  ['/USDT', 'a missing base'],
  ['BTC/USDT/X', 'three parts'],
  ['BTC-USDT_X', 'mixed separators'],
  ['BTC USDT', 'a space inside'],
  ['BTC/US$DT', 'a symbol character'],
])('%s has no split (%s)', (input) => {
  expect(normalizeSymbol(input)).toBeUndefined();
});
