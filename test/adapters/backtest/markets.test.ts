import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadMarkets, loadSeries, marketFile } from '../../../adapters/backtest/data.js';
import { runBacktest } from '../../../adapters/backtest/kernel.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { resolveStrategies } from '../../../adapters/config/strategies.js';
import { fixedToString } from '../../../actors/trading/fixed.js';
import { writeCandles } from '../../helpers/candles.js';

const SCRIPTED = fileURLToPath(new URL('../../fixtures/strategies/scripted.ts', import.meta.url));
const ADA = 'ADA/USDT';
/** Kraken-like: a tick of 0.0001, whole coins, a 0.26 % taker fee. */
const ADA_MARKET = { priceStep: '0.0001', amountStep: '1', minAmount: '5', minNotional: '1', makerFee: '0.0016', takerFee: '0.0026' };

/** A backtest of a scripted BUY then SELL of 25.7 ADA over candles in a fresh data folder with `market` as its market.json. */
async function run(market: object | undefined, exchange: object = { type: 'paper' }) {
  const data = writeCandles([[0.5, 0.51, 0.49, 0.5], [0.5123, 0.52, 0.51, 0.515], 0.52, [0.5311, 0.54, 0.53, 0.535]], { symbol: ADA });
  if (market) writeFileSync(marketFile(data, ADA), JSON.stringify(market));
  const config = parseConfig({
    exchanges: { paper: exchange },
    traders: [{ id: 't', balances: { USDT: 1_000 }, strategy: { name: 's', module: SCRIPTED, symbols: [ADA], params: { script: ['BUY', '', 'SELL'], quantity: '25.7' } } }],
  });
  await resolveStrategies(config, '/');
  const result = await runBacktest(config, { series: await loadSeries(data, [ADA], '1m'), timeframe: '1m', markets: await loadMarkets(data, [ADA]) });
  return result.traders[0]!.fills.map((f) => ({ side: f.side, price: fixedToString(f.price), quantity: fixedToString(f.quantity), fee: fixedToString(f.fee) }));
}

describe('backtest markets', () => {
  test('a symbol with no market anywhere is refused, saying where one comes from', async () => {
    await expect(run(undefined)).rejects.toMatchObject({ code: 'ERR_INVALID_CONFIG', field: 'symbols', message: expect.stringMatching(/ADA\/USDT: no market .*market\.json.*exchanges\.<name>\.markets/) });
  });

  test('trades by the data folder’s market: its amount step, and its fee rate', async () => {
    // 25.7 rounds down to 25 whole coins; the fee is 0.26 % of each fill.
    expect(await run(ADA_MARKET)).toEqual([
      { side: 'buy', price: '0.5123', quantity: '25', fee: '0.0332995' },
      { side: 'sell', price: '0.5311', quantity: '25', fee: '0.0345215' },
    ]);
  });

  test('the config’s paper market goes over the data folder’s', async () => {
    // The config's market needs a start price, for the random walk `botv3 start` would run on it.
    const fills = await run(ADA_MARKET, { type: 'paper', markets: { [ADA]: { ...ADA_MARKET, amountStep: '0.1', takerFee: '0', startPrice: '0.5' } } });
    expect(fills.map((f) => [f.quantity, f.fee])).toEqual([
      ['25.7', '0'],
      ['25.7', '0'],
    ]);
  });

  test('a malformed market names its file and field', async () => {
    await expect(run({ ...ADA_MARKET, takerFee: '2' })).rejects.toThrow(/ADA-USDT\/market\.json: takerFee: must be a fee rate/);
    await expect(run({ ...ADA_MARKET, priceStep: undefined })).rejects.toThrow(/market\.json: priceStep:/);
    await expect(run({ ...ADA_MARKET, tick: '0.01' })).rejects.toThrow(/market\.json: tick: unknown field/);
  });
});
