import { describe, expect, test } from 'vitest';
import { measureV2Loop, startV2Loop } from '../../bench/baseline.js';
import { PAPER_MARKETS } from '../../adapters/paper/markets.js';

const SIGNALS = 400;

describe('the baseline suite\'s v2-style loop', () => {
  test('every signal becomes a market BUY filled on the paper engine, the position growing by each', async () => {
    const loop = await startV2Loop();
    // The pipeline suite's first trader: the first paper market, 1e9 USDT on both sides of the account.
    expect(loop.symbol).toBe(PAPER_MARKETS[0]!.symbol);
    const startPrice = loop.engine.lastPrice(loop.symbol)!;
    expect(loop.core.state.marks[loop.symbol]).toBe(startPrice);
    const quoteAtStart = loop.core.state.balances.USDT!;
    expect(quoteAtStart).toBe(1_000_000_000n * 10n ** 9n);

    const prices = new Set<bigint>();
    const tradeIds = new Set<string>();
    let held = 0n;
    for (let i = 0; i < SIGNALS; i++) {
      // A candle every 40 signals keeps the book refreshed and the price moving, as the exchange's timer does.
      if (i > 0 && i % 40 === 0) loop.candle();
      const outcome = loop.step();
      expect(outcome.orders).toBe(1);
      expect(outcome.filled).toBe(1);
      expect(outcome.reports[0]!.kind).toBe('accepted');
      const fills = outcome.reports.filter((r) => r.kind === 'fill');
      expect(fills.length).toBe(outcome.reports.length - 1);
      for (const fill of fills) {
        tradeIds.add(fill.fill!.tradeId);
        prices.add(fill.fill!.price);
      }
      const position = loop.core.state.positions[loop.symbol]!.quantity;
      expect(position).toBeGreaterThan(held);
      held = position;
      // Nothing is left in flight: the order is final and forgotten, nothing pending on the symbol.
      expect(Object.keys(loop.core.state.orders)).toEqual([]);
      expect(loop.core.state.pending[loop.symbol]).toEqual({ buy: 0n, sell: 0n });
    }

    const { stats } = loop.core.state;
    expect(stats).toMatchObject({ signals: SIGNALS, orders: SIGNALS, rejected: 0, skipped: 0, duplicates: 0, ordersRejected: 0 });
    expect(stats.fills).toBe(tradeIds.size);
    expect(loop.sent).toBe(SIGNALS);
    expect(loop.candles).toBe(1 + (SIGNALS - 1 - ((SIGNALS - 1) % 40)) / 40);
    // The market moved: fills at more than one price, and the trader's mark follows the engine's.
    expect(prices.size).toBeGreaterThan(2);
    expect(loop.core.state.marks[loop.symbol]).toBe(loop.engine.lastPrice(loop.symbol));
    // The trader's ledger and the exchange's account agree to the unit: both sides did the same work.
    const account = loop.engine.balances(loop.account);
    for (const [asset, amount] of Object.entries(loop.core.state.balances)) {
      expect(account[asset]).toEqual({ free: amount, locked: 0n });
    }
    // Long, having paid for it in the quote, with fees.
    expect(loop.core.state.balances.USDT!).toBeLessThan(quoteAtStart);
    expect(loop.core.state.positions[loop.symbol]!.fees).toBeGreaterThan(0n);
  });

  test('measured flat out, every signal of the window ends in a filled order', async () => {
    const loop = await startV2Loop();
    const result = measureV2Loop(loop, 0.2);
    // How many signals fit in the window depends on the machine's load: only that there were some is asserted.
    expect(result.signals).toBeGreaterThan(0);
    expect(result.filled).toBe(result.signals);
    expect(result.rate).toBeGreaterThan(0);
    expect(result.p50).toBeGreaterThan(0);
    expect(result.p99).toBeGreaterThanOrEqual(result.p50);
    expect(loop.core.state.stats.skipped).toBe(0);
  });
});
