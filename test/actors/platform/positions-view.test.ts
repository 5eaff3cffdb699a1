import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import { PositionsView } from '../../../actors/platform/positions-view.js';
import type { Row } from '../../../adapters/database/queries.js';

/** One position change: a fill event's position, as a trader reports it. */
interface Change {
  traderId: string;
  symbol: string;
  quantity: bigint;
  at: number;
}

const change = fc.record({
  traderId: fc.constantFrom('alpha', 'beta', 'Beta', 'gamma'),
  symbol: fc.constantFrom('BTC/USDT', 'ETH/USDT', 'btc/usdt'),
  quantity: fc.bigInt({ min: -3_000_000_000n, max: 3_000_000_000n }),
  // Few distinct times: ties, where the order of the writes decides, are common.
  at: fc.integer({ min: 1, max: 6 }),
});

const event = (c: Change, seq: number): HubEvent =>
  ({
    kind: 'fill',
    traderId: c.traderId,
    clientOrderId: `o${seq}`,
    signalId: `s${seq}`,
    symbol: c.symbol,
    side: 'buy',
    fill: { tradeId: `t${seq}`, price: 1n, quantity: 1n, fee: 0n, feeAsset: 'USDT', liquidity: 'taker' },
    position: { symbol: c.symbol, quantity: c.quantity, avgEntry: 100_000_000_000n, realizedPnl: -5n, fees: 1n, openedAt: c.at === 1 ? 0 : 1 },
    at: c.at,
    seq,
  }) as HubEvent;

/** The `positions` table after the writer's upserts of `changes` in order (a row is replaced unless it is later). */
function table(changes: readonly Change[]): Row[] {
  const rows = new Map<string, Row>();
  for (const [i, c] of changes.entries()) {
    // The row the writer stores is the one the view makes of the event: read it back through a fresh view.
    const one = new PositionsView();
    one.observe([event(c, i)]);
    const row = one.list({}).rows[0]!;
    const key = `${c.traderId}|${c.symbol}`;
    const kept = rows.get(key);
    if (!kept || (kept.updated_at as number) <= c.at) rows.set(key, row);
  }
  return [...rows.values()];
}

describe('PositionsView', () => {
  test('the rows read once and the events seen merge to the table, whenever the read comes and whatever it had seen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 12 }), fc.array(change, { maxLength: 30 }), fc.nat(), fc.nat(), async (before, changes, written, readAt) => {
        // `before`: rows of earlier runs. Of the events since the start, persistence had written the
        // first `written` when the table was read, and the view had seen the first `seen` when the read came back.
        const w = written % (changes.length + 1);
        const seen = readAt % (changes.length + 1);
        const view = new PositionsView();
        view.observe(changes.slice(0, seen).map((c, i) => event(c, i)));
        await view.load(async () => table([...before, ...changes.slice(0, w)]));
        view.observe(changes.slice(seen).map((c, i) => event(c, seen + i)));
        const expected = table([...before, ...changes]).sort((a, b) => Buffer.compare(Buffer.from(`${a.trader_id}\u0000${a.symbol}`), Buffer.from(`${b.trader_id}\u0000${b.symbol}`)));
        expect(view.list({}).rows).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('filters as the SQL does, and prints amounts as NUMERIC(38, 9)', async () => {
    const view = new PositionsView();
    await view.load(async () => []);
    view.observe([
      event({ traderId: 'alpha', symbol: 'BTC/USDT', quantity: 1_500_000_000n, at: 10 }, 1),
      event({ traderId: 'alpha', symbol: 'ETH/USDT', quantity: 0n, at: 20 }, 2),
      event({ traderId: 'beta', symbol: 'BTC/USDT', quantity: -2n, at: 30 }, 3),
    ]);
    const symbols = (filter: Parameters<PositionsView['list']>[0]) => view.list(filter).rows.map((r) => `${r.trader_id} ${r.symbol}`);
    expect(view.list({ traderId: 'alpha', symbol: 'BTC/USDT' }).rows).toEqual([
      { trader_id: 'alpha', symbol: 'BTC/USDT', quantity: '1.500000000', avg_entry_price: '100.000000000', realized_pnl: '-0.000000005', fees: '0.000000001', funding: '0.000000000', opened_at: 1, funded_to: null, updated_at: 10 },
    ]);
    expect(view.list({ traderId: 'beta' }).rows[0]!.quantity).toBe('-0.000000002');
    expect(symbols({ open: true })).toEqual(['alpha BTC/USDT', 'beta BTC/USDT']);
    expect(symbols({ open: false })).toEqual(['alpha ETH/USDT']);
    expect(symbols({ from: 20, to: 30 })).toEqual(['alpha ETH/USDT']);
    expect(symbols({ symbol: 'BTC/USDT' })).toEqual(['alpha BTC/USDT', 'beta BTC/USDT']);
  });

  test('a read that fails is tried again by the next call', async () => {
    const view = new PositionsView();
    await expect(view.load(async () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    await view.load(async () => [{ trader_id: 'a', symbol: 'X/Y', quantity: '1.000000000', avg_entry_price: '1.000000000', realized_pnl: '0.000000000', fees: '0.000000000', funding: '0.000000000', opened_at: 5, funded_to: null, updated_at: 5 }]);
    expect(view.list({}).rows.map((r) => r.trader_id)).toEqual(['a']);
  });
});
