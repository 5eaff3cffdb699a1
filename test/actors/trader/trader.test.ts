import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { traderAddress } from '../../../actors/platform/tree.js';
import type { TraderState } from '../../../actors/trader/core.js';
import { fixedToString, mul, toFixed } from '../../../actors/trading/fixed.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

/** The trader pipeline end to end: real worker threads, the paper exchange, the risk manager and the reviewer. */
let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const outsideSignals = (extra: object = {}) => ({ id: 'alpha', symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, ...extra });

async function withMarks(traders: unknown[], more: object = {}): Promise<TestPlatform> {
  platform = await startPlatform({ traders, ...more });
  platform.advance();
  const p = platform;
  await waitFor(async () => Object.keys((await p.status('alpha')).marks).length > 0, 'the first candle');
  return p;
}

describe('trader pipeline', () => {
  test('a signal becomes an order, fills, and moves the position and the ledger exactly as the exchange account', async () => {
    const p = await withMarks([outsideSignals()]);
    p.signal('alpha', { id: 's1', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', ts: Date.now() });
    const status = await waitFor(async () => {
      const s = await p.status('alpha');
      return s.stats.fills > 0 && Object.keys(s.orders).length === 0 && s;
    }, 'the fill');
    const position = status.positions['BTC/USDT']!;
    const mark = status.marks['BTC/USDT']!;
    // 1,000 USDT at ~95,000 is 0.01052 BTC, rounded down to the 0.00001 lot.
    expect(fixedToString(position.quantity)).toBe(fixedToString((toFixed(1_000, 'n') * 10n ** 9n) / mark / 10_000n * 10_000n));
    expect(position.fees).toBe(mul(mul(position.quantity, position.avgEntry), toFixed('0.001', 'fee')));
    const exchange = await p.balances('alpha');
    expect(status.balances.BTC).toBe(exchange.BTC!.free);
    expect(status.balances.USDT).toBe(exchange.USDT!.free);
    expect(status.balances.USDT).toBe(toFixed(100_000, 'start') - mul(position.quantity, position.avgEntry) - position.fees);

    p.signal('alpha', { id: 's2', strategy: 'api', symbol: 'BTC/USDT', action: 'CLOSE' });
    const closed = await waitFor(async () => {
      const s = await p.status('alpha');
      return s.positions['BTC/USDT']!.quantity === 0n && Object.keys(s.orders).length === 0 && s;
    }, 'the close');
    const after = await p.balances('alpha');
    expect(closed.balances.USDT).toBe(after.USDT!.free);
    expect(closed.balances.BTC).toBe(0n);
    // Bought at the ask and sold at the bid, both paying fees: a round trip at one price loses money.
    expect(closed.positions['BTC/USDT']!.realizedPnl).toBeLessThan(0n);
    expect(closed.balances.USDT! - toFixed(100_000, 'start')).toBe(closed.positions['BTC/USDT']!.realizedPnl);
    const hub = await p.hub();
    expect(hub.counters.alpha).toMatchObject({ orders: 2, filled: 2 });
  });

  test('bad signals are rejected with the field and counted; the trader keeps going', async () => {
    const p = await withMarks([outsideSignals()]);
    const bad = [
      { id: 'b1', strategy: 'api', symbol: 'DOGE/EUR', action: 'BUY' },
      { id: 'b2', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: -1 },
      { id: 'b3', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: Number.NaN },
      { id: 'b4', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: 1e300 },
      { id: 'b5', strategy: 'api', symbol: 42, action: 'BUY' },
      { id: 'b6', strategy: 'api', symbol: 'BTC/USDT', action: 'HOLD' },
      'not even an object',
    ];
    p.system.send('trader.alpha', { type: 'signals', signals: [...bad, { symbol: 'BTCUSDT', action: 'buy', quantity: 0.001, strategy: 'v2_sma' }] });
    const status = await waitFor(async () => {
      const s = await p.status('alpha');
      return s.stats.fills > 0 && s;
    }, 'the good v2 signal to fill');
    expect(status.stats.rejected).toBe(bad.length);
    expect(status.stats.rejectedBy).toEqual({ symbol: 2, quantity: 3, action: 1, signal: 1 });
    expect(fixedToString(status.positions['BTC/USDT']!.quantity)).toBe('0.001');
    const reasons = (await p.hub()).recent.filter((e) => e.kind === 'signal.rejected').map((e) => `${'field' in e ? e.field : ''}: ${'reason' in e ? e.reason : ''}`);
    expect(reasons).toContain('quantity: must be positive, got -1');
    expect(reasons.some((r) => r.startsWith('symbol: "DOGE/EUR" is not a symbol this trader trades'))).toBe(true);
    expect(p.system.status().actors.find((a) => a.address === 'trader.alpha')!.restarts).toBe(0);
  });

  test('a signal id seen before is dropped; the deterministic client order id makes the exchange refuse it too', async () => {
    const p = await withMarks([outsideSignals({ dedupeWindow: 2 })]);
    const buy = (id: string) => ({ id, strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.01' });
    p.system.send('trader.alpha', { type: 'signals', signals: [buy('d1'), buy('d1')] });
    await waitFor(async () => (await p.status('alpha')).stats.fills === 1, 'one fill');
    // Push d1 out of the trader's 2-id window; the exchange still knows its client order id.
    p.system.send('trader.alpha', { type: 'signals', signals: [buy('d2'), buy('d3'), buy('d1')] });
    const status = await waitFor(async () => {
      const s = await p.status('alpha');
      return s.stats.duplicates === 2 && s.stats.fills === 3 && Object.keys(s.orders).length === 0 && s;
    }, 'the second duplicate');
    expect(status.stats.orders).toBe(3);
    expect(fixedToString(status.positions['ETH/USDT']!.quantity)).toBe('0.03');
  });

  test('the reviewer is asked first when the policy says so; other orders do not wait for it', async () => {
    const p = await withMarks([outsideSignals({ review: { above: 500 } })]);
    p.signal('alpha', { id: 'small', strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.01' });
    p.signal('alpha', { id: 'large', strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.5' });
    await waitFor(async () => (await p.status('alpha')).stats.fills >= 1, 'the small order to fill');
    // The offline reviewer decides (few candles yet: not sure enough, so a human is asked) or queues it.
    const reviewed = await waitFor(async () => {
      const events = (await p.hub()).recent;
      const ids = events.filter((e) => e.kind === 'review' || e.kind === 'review.queued').map((e) => (e.kind === 'review' ? e.signalId : e.kind === 'review.queued' ? e.review.signalId : ''));
      return ids.length > 0 && ids;
    }, 'the review of the large order');
    expect(reviewed).toEqual(['large']);
  });

  test('a strategy trades on market data by itself', async () => {
    platform = await startPlatform({
      traders: [{ id: 'sma', strategy: { name: 'sma_crossover', symbols: ['SOL/USDT'], params: { fast: 2, slow: 5 } }, orderNotional: 200 }],
    });
    const p = platform;
    p.advance(300);
    const status = await waitFor(async () => {
      const s = await p.status('sma');
      return s.stats.fills > 2 && s;
    }, 'the strategy to trade');
    expect(status.stats.signals).toBeGreaterThan(2);
    expect((await p.hub()).recent.some((e) => e.kind === 'order' && e.order.reason?.includes('crossed'))).toBe(true);
  });
});

describe('a strategy module of the user’s own', () => {
  const SMA_TREND = fileURLToPath(new URL('../../fixtures/strategies/sma-trend.ts', import.meta.url));

  test('trades from the trader’s worker, and resumes mid-indicator after its worker is killed', async () => {
    platform = await startPlatform({
      traders: [{ id: 'mine', strategy: { name: 'trend', module: SMA_TREND, symbols: ['SOL/USDT'], params: { period: 4 } }, orderNotional: 200 }],
    });
    const p = platform;
    p.advance(200);
    await waitFor(async () => (await p.status('mine')).stats.fills >= 2, 'the module strategy to trade');
    const before = p.system.actorStatus(traderAddress('mine'))!;
    // No snapshot() of its own: the trader keeps its last `period` candles to warm a fresh instance up.
    expect((p.system.snapshot(traderAddress('mine')) as TraderState).strategy).toMatchObject({ candles: { 'SOL/USDT 1m': expect.toSatisfy((c: unknown[]) => c.length === 4) } });
    p.system.kill(traderAddress('mine'));
    await waitFor(() => p.system.actorStatus(traderAddress('mine'))!.incarnation > before.incarnation && p.system.actorStatus(traderAddress('mine'))!.state === 'running', 'the restart');
    // The replayed warm-up candles give no signals again; the next candles do.
    const fills = (await p.status('mine')).stats.fills;
    p.advance(200);
    const status = await waitFor(async () => {
      const s = await p.status('mine');
      return s.stats.fills > fills && s;
    }, 'trading after the restart');
    expect(status.stats.rejected).toBe(0);
    const reasons = (await p.hub()).recent.flatMap((e) => (e.kind === 'order' ? [e.order.reason] : []));
    expect(reasons).toContain('close above SMA4');
    expect(p.system.status().deadLetters.total).toBe(0);
  });
});
