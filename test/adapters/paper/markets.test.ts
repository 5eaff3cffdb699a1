import { afterAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../../adapters/config/load.js';
import { fixedToString } from '../../../actors/trading/fixed.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

let platform: TestPlatform | undefined;
afterAll(async () => platform?.stop());

describe('paper markets from the config', () => {
  test('a market added to the paper exchange trades live, by its steps and fees, on a walk from its start price', async () => {
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', seed: 7, markets: { 'ADA/USDT': { priceStep: '0.0001', amountStep: 1, minAmount: 5, takerFee: '0.002', startPrice: '0.5' } } } },
      traders: [{ id: 'ada', symbols: ['ADA/USDT'], balances: { USDT: 1_000 } }],
    });
    platform.advance();
    const priced = await waitFor(async () => (await platform!.status('ada')).marks['ADA/USDT'], 'a price of ADA/USDT');
    // A walk from 0.5, on the market's tick.
    expect(Number(fixedToString(priced))).toBeGreaterThan(0.4);
    expect(Number(fixedToString(priced))).toBeLessThan(0.6);
    expect(priced % 100_000n).toBe(0n);
    platform.signal('ada', { id: 's1', strategy: 'manual', symbol: 'ADA/USDT', action: 'BUY', quantity: '25.7' });
    const status = await waitFor(async () => {
      const s = await platform!.status('ada');
      return s.positions['ADA/USDT']?.quantity !== undefined && s.positions['ADA/USDT']!.quantity > 0n && s;
    }, 'the ADA position');
    // 25.7 rounds down to whole coins; the fee is 0.2 % of what it cost, at the book's ask.
    const position = status.positions['ADA/USDT']!;
    expect(position.quantity).toBe(25_000_000_000n);
    const cost = 1_000_000_000_000n - status.balances['USDT']!;
    const notional = (position.quantity * position.avgEntry) / 1_000_000_000n;
    expect(cost - notional).toBe((notional * 2n) / 1_000n);
  });

  test('one with no start price is refused where prices are a walk, not where they are replayed', () => {
    const market = { priceStep: '0.0001', amountStep: 1 };
    expect(() => parseConfig({ exchanges: { paper: { type: 'paper', markets: { 'ADA/USDT': market } } }, traders: [{ id: 'a', symbols: ['ADA/USDT'] }] })).toThrow(
      expect.objectContaining({ field: 'exchanges.paper.markets.ADA/USDT.startPrice' }),
    );
    expect(() => parseConfig({ exchanges: { paper: { type: 'paper', replay: { 'ADA/USDT': 'ada.csv' }, markets: { 'ADA/USDT': market } } }, traders: [{ id: 'a', symbols: ['ADA/USDT'] }] })).not.toThrow();
    expect(() => parseConfig({ exchanges: { paper: { type: 'paper', markets: { 'ADA/USDT': { ...market, startPrice: 1, takerFee: 1 } } } }, traders: [{ id: 'a', symbols: ['ADA/USDT'] }] })).toThrow(
      expect.objectContaining({ field: 'exchanges.paper.markets.ADA/USDT.takerFee' }),
    );
  });
});
