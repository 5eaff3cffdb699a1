import { expect, test } from 'vitest';
import { parseConfig } from '../../../adapters/config/load.js';
import { platformTree } from '../../../actors/platform/tree.js';

/** What start (and `botv3 check`) refuses of a trader's perpetual settings, naming the field. */
const refusal = (input: object) => {
  try {
    platformTree(parseConfig(input));
  } catch (error) {
    const { field, message } = error as { field?: string; message: string };
    return { field, message };
  }
  return 'accepted';
};

/** A ccxt exchange's markets as loaded, for the tree (see `loadTradingMarkets`). */
const listed = (...symbols: string[]) => ({ markets: { ex: symbols.map((symbol) => ({ symbol, base: 'BTC', quote: 'USDT', priceStep: 1n, amountStep: 1n, minAmount: 1n, minNotional: 0n, makerFee: 0n, takerFee: 0n, ...(symbol.includes(':') ? { swap: { maintenanceMargin: 5n * 10n ** 6n, maxLeverage: 100 } } : {}) })) } });
const onCcxt = (exchange: string, traders: object[], symbols: string[]) => {
  try {
    platformTree(parseConfig({ exchanges: { ex: { type: 'ccxt', exchange } }, traders: traders.map((t) => ({ exchange: 'ex', ...t })) }), listed(...symbols));
  } catch (error) {
    const { field, message } = error as { field?: string; message: string };
    return { field, message };
  }
  return 'accepted';
};

test('a perpetual through ccxt: one trader per account holds it, trading perpetuals only, on an exchange whose perpetuals v3 trades', () => {
  const swap = { id: 'a', account: 'main', symbols: ['BTC/USDT:USDT'], leverage: 5 };
  expect(onCcxt('binance', [swap], ['BTC/USDT:USDT'])).toBe('accepted');
  expect(onCcxt('binance', [swap, { ...swap, id: 'b', account: 'other' }], ['BTC/USDT:USDT'])).toBe('accepted');
  expect(onCcxt('binance', [swap, { ...swap, id: 'b' }], ['BTC/USDT:USDT'])).toEqual({
    field: 'traders[1].symbols[0]',
    message: 'traders[1].symbols[0]: BTC/USDT:USDT is already held by trader "a" on account "main" of ex: one position per perpetual and account, so one trader each',
  });
  expect(onCcxt('binance', [{ ...swap, symbols: ['BTC/USDT:USDT', 'BTC/USDT'] }], ['BTC/USDT:USDT', 'BTC/USDT'])).toEqual({
    field: 'traders[0].symbols[1]',
    message: 'traders[0].symbols[1]: BTC/USDT: a trader on a real exchange trades spot or perpetuals, not both (its ledger starts from one wallet); give the spot symbols a trader of their own',
  });
  expect(onCcxt('binance', [{ ...swap, leverage: 101 }], ['BTC/USDT:USDT'])).toMatchObject({ field: 'traders[0].leverage' });
  expect(onCcxt('kucoin', [swap], [])).toEqual({
    field: 'traders[0].symbols[0]',
    message: 'traders[0].symbols[0]: BTC/USDT:USDT is not listed on exchange "ex": v3 trades perpetuals through ccxt on binance, bybit, okx, bitget, gate, kucoinfutures',
  });
  // Bybit's unified account has one margin mode: its traders of perpetuals agree on it.
  const eth = { ...swap, id: 'b', symbols: ['ETH/USDT:USDT'], marginMode: 'cross' };
  expect(onCcxt('binance', [swap, eth], ['BTC/USDT:USDT', 'ETH/USDT:USDT'])).toBe('accepted');
  expect(onCcxt('bybit', [swap, eth], ['BTC/USDT:USDT', 'ETH/USDT:USDT'])).toEqual({
    field: 'traders[1].marginMode',
    message: 'traders[1].marginMode: cross: bybit sets one margin mode for the whole account, and trader "a" on account "main" trades isolated',
  });
  expect(onCcxt('bybit', [swap, { ...eth, marginMode: 'isolated' }], ['BTC/USDT:USDT', 'ETH/USDT:USDT'])).toBe('accepted');
});

test.each([
  ['leverage for a trader with no perpetual', { traders: [{ id: 'a', symbols: ['BTC/USDT'], leverage: 3 }] }, 'traders[0].leverage', "leverage is for perpetuals, and none of the trader's symbols is one (BTC/USDT:USDT is BTC/USDT's)"],
  ['shorts for a trader with no perpetual', { traders: [{ id: 'a', symbols: ['BTC/USDT'], allowShort: true }] }, 'traders[0].allowShort', "allowShort is for perpetuals, and none of the trader's symbols is one (BTC/USDT:USDT is BTC/USDT's)"],
  ['leverage above the market’s highest', { traders: [{ id: 'a', symbols: ['BTC/USDT:USDT'], leverage: { 'BTC/USDT:USDT': 60 } }] }, 'traders[0].leverage.BTC/USDT:USDT', "60x is above BTC/USDT:USDT's highest leverage, 50x"],
  ['leverage for a symbol the trader does not trade', { traders: [{ id: 'a', symbols: ['BTC/USDT:USDT'], leverage: { 'ETH/USDT:USDT': 2 } }] }, 'traders[0].leverage.ETH/USDT:USDT', "ETH/USDT:USDT is not one of the trader's perpetuals"],
])('%s', (_, input, field, message) => {
  expect(refusal(input)).toEqual({ field, message: `${field}: ${message}` });
});

test('a paper perpetual with a leverage past its maintenance margin, or swap fields on a spot market, are refused by the schema', () => {
  const market = { priceStep: 0.0001, amountStep: 1, startPrice: 0.5 };
  expect(() => parseConfig({ exchanges: { paper: { type: 'paper', markets: { 'ADA/USDT:USDT': { ...market, maintenanceMargin: 0.05, maxLeverage: 20 } } } }, traders: [{ id: 'a' }] })).toThrow(
    'exchanges.paper.markets.ADA/USDT:USDT.maxLeverage: must stay below 1 / maintenanceMargin (20)',
  );
  expect(() => parseConfig({ exchanges: { paper: { type: 'paper', markets: { 'ADA/USDT': { ...market, maxLeverage: 20 } } } }, traders: [{ id: 'a' }] })).toThrow('exchanges.paper.markets.ADA/USDT.maxLeverage: only a perpetual has it (ADA/USDT:USDT)');
  expect(() => parseConfig({ exchanges: { paper: { type: 'paper', markets: { 'ADA/BTC:USDT': market } } }, traders: [{ id: 'a' }] })).toThrow('exchanges.paper.markets.ADA/BTC:USDT: a perpetual settles in its quote (ADA/BTC:BTC): inverse perpetuals are not simulated');
});

test('a trader on a paper perpetual gets its leverage per symbol, its margin mode and whether it may short', () => {
  const tree = platformTree(parseConfig({ traders: [{ id: 'a', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], leverage: { 'BTC/USDT:USDT': 5 }, marginMode: 'cross', allowShort: true }] }));
  const traders = (tree.children as { id: string; children?: { id: string; args: Record<string, unknown> }[] }[]).find((c) => c.id === 'traders')!.children!;
  expect(traders[0]!.args).toMatchObject({ allowShort: true, leverage: { 'BTC/USDT:USDT': 5, 'ETH/USDT:USDT': 1 }, marginMode: 'cross' });
});
