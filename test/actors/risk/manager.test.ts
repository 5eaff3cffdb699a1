import { afterEach, describe, expect, test } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import type { InterventionEvent } from '../../../actors/risk/manager.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Each intervention, triggered for real: traders on the paper exchange replaying scripted candles,
 * reporting their exposure to the risk manager at most every 20 ms.
 */
let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** Closes per symbol, one 1m candle each; the first two are flat so the traders can buy at 100. */
const PATHS: Record<string, number[]> = {
  'BTC/USDT': [100, 100, 97, 97],
  'ETH/USDT': [100, 100, 103, 103],
  'SOL/USDT': [100, 100, 95, 95],
  'XRP/USDT': [100, 100, 90, 90],
  'BNB/USDT': [100, 100, 100, 100],
};

const trader = (id: string, symbol: string, extra: object = {}) => ({ id, symbols: [symbol], balances: { USDT: 2_000 }, orderNotional: 1_000, reportMs: 20, ...extra });

async function interventions(p: TestPlatform, count: number): Promise<InterventionEvent[]> {
  return waitFor(async () => {
    const list = (await p.hub()).recent.filter((e): e is HubEvent & InterventionEvent => e.kind === 'intervention');
    return list.length >= count && list;
  }, `${count} interventions`);
}

describe('risk manager', () => {
  test('stop-loss, take-profit, daily loss, drawdown and exposure each intervene, with a reason', async () => {
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: replayFiles(PATHS) } },
      traders: [
        trader('stop', 'BTC/USDT', { symbols: undefined, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], risk_params: { stop_loss: 0.02 } } }),
        trader('take', 'ETH/USDT', { monitor: { takeProfit: 0.02 } }),
        trader('daily', 'SOL/USDT', { monitor: { dailyLossLimit: 30 } }),
        trader('drawdown', 'XRP/USDT', { monitor: { maxDrawdown: 0.03 } }),
        trader('exposure', 'BNB/USDT', { monitor: { maxExposure: 500 } }),
      ],
    });
    const p = platform;
    p.advance();
    const ids = ['stop', 'take', 'daily', 'drawdown', 'exposure'];
    await waitFor(async () => (await Promise.all(ids.map((id) => p.status(id)))).every((s) => Object.keys(s.marks).length > 0), 'marks');
    for (const id of ids) p.signal(id, { id: 'buy', strategy: 'api', symbol: PATHS_SYMBOL[id], action: 'BUY' });
    await waitFor(async () => (await Promise.all(ids.map((id) => p.status(id)))).every((s) => s.stats.fills > 0), 'every buy to fill');

    // Exposure: 1,000 of BNB is over 500, so the trader goes reduce-only and refuses to buy more.
    const [exposure] = await interventions(p, 1);
    expect(exposure).toMatchObject({ traderId: 'exposure', action: 'reduce-only', reason: 'exposure 1000 above the limit 500' });
    p.signal('exposure', { id: 'more', strategy: 'api', symbol: 'BNB/USDT', action: 'BUY' });
    await waitFor(async () => (await p.status('exposure')).stats.skipped === 1, 'the buy to be refused');
    expect((await p.status('exposure')).mode).toBe('reduce-only');

    p.advance(2);
    const all = await interventions(p, 6);
    const by = (id: string) => all.filter((e) => e.traderId === id).map((e) => `${e.action}: ${e.reason}`);
    expect(by('stop')).toEqual([expect.stringMatching(/^close-positions: stop-loss: BTC\/USDT down 3\.\d+% from entry 100\.\d+ \(limit 2%\)$/)]);
    expect(by('take')).toEqual([expect.stringMatching(/^close-positions: take-profit: ETH\/USDT up 2\.\d+% from entry 100\.\d+ \(target 2%\)$/)]);
    expect(by('daily')).toEqual([
      expect.stringMatching(/^close-positions: daily loss 5\d\.\d+ reached the limit 30$/),
      expect.stringMatching(/^halt: daily loss 5\d\.\d+ reached the limit 30$/),
    ]);
    expect(by('drawdown')).toEqual([expect.stringMatching(/^halt: drawdown 5\.\d+% from the equity peak 2000(\.\d+)? \(limit 3%\)$/)]);

    const after = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await p.status(id)] as const)));
    await waitFor(async () => (await p.status('stop')).positions['BTC/USDT']!.quantity === 0n, 'the stop-loss close');
    await waitFor(async () => (await p.status('take')).positions['ETH/USDT']!.quantity === 0n, 'the take-profit close');
    await waitFor(async () => (await p.status('daily')).positions['SOL/USDT']!.quantity === 0n, 'the daily-loss close');
    expect(after.daily!.mode).toBe('halted');
    expect(after.drawdown!.mode).toBe('halted');
    expect(after.stop!.mode).toBe('active');

    // A halted trader refuses new orders.
    p.signal('drawdown', { id: 'again', strategy: 'api', symbol: 'XRP/USDT', action: 'BUY' });
    await waitFor(async () => (await p.status('drawdown')).stats.skipped === 1, 'the halted trader to refuse');
  });

  test('portfolio limits crossed by the traders together: reduce-only on exposure, an emergency stop on the daily loss', async () => {
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: replayFiles(PATHS) } },
      // Each trader alone stays under both limits (no limits of its own either); only their sum crosses.
      risk: { portfolio: { maxExposure: 1_500, dailyLossLimit: 120 } },
      traders: [trader('a', 'SOL/USDT'), trader('b', 'XRP/USDT')],
    });
    const p = platform;
    p.advance();
    await waitFor(async () => (await p.status('a')).marks['SOL/USDT'] && (await p.status('b')).marks['XRP/USDT'], 'marks');
    p.signal('a', { id: 'buy', strategy: 'api', symbol: 'SOL/USDT', action: 'BUY' });
    p.signal('b', { id: 'buy', strategy: 'api', symbol: 'XRP/USDT', action: 'BUY' });

    const portfolio = async (count: number) => (await interventions(p, count)).filter((e) => e.scope === 'portfolio').map((e) => `${e.action}: ${e.reason}`);
    await waitFor(async () => (await Promise.all([p.status('a'), p.status('b')])).every((s) => s.mode === 'reduce-only'), 'both traders to go reduce-only');
    expect(await portfolio(1)).toEqual([expect.stringMatching(/^reduce-only: exposure 2000(\.\d+)? above the limit 1500$/)]);

    // SOL falls 5 % and XRP 10 %: about 155 lost together.
    p.advance(2);
    const [a, b] = await waitFor(async () => {
      const s = await Promise.all([p.status('a'), p.status('b')]);
      return s.every((t) => t.mode === 'halted' && Object.values(t.positions).every((pos) => pos.quantity === 0n)) && s;
    }, 'both traders to close and halt');
    const stop = (await portfolio(2)).find((e) => e.startsWith('emergency-stop'));
    expect(stop).toMatch(/^emergency-stop: daily loss 15\d\.\d+ reached the limit 120$/);
    expect([a!.modeReason, b!.modeReason]).toEqual([stop!.slice('emergency-stop: '.length), stop!.slice('emergency-stop: '.length)]);
  });

  test('a trader reports its exposure as soon as it starts, not a reportMs later', async () => {
    // A minute between reports: what reaches the risk manager within the test came without waiting for one.
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: replayFiles(PATHS) } },
      traders: [trader('slow', 'BTC/USDT', { reportMs: 60_000 })],
    });
    const p = platform;
    const share = async () => (await p.system.request<{ shares: Record<string, { equity: bigint }> }>('risk', { type: 'status' })).shares.slow;
    const first = await waitFor(share, 'the report made at start');
    expect(first.equity).toBe(toFixed(2_000, 'equity'));
  });

  test("the portfolio's sums are the traders' latest shares, as reports replace them and traders leave", async () => {
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: replayFiles(PATHS) } },
      traders: [trader('a', 'SOL/USDT'), trader('b', 'XRP/USDT'), trader('c', 'ETH/USDT')],
    });
    const p = platform;
    type Share = { equity: bigint; dayPnl: bigint; exposure: bigint };
    const risk = () => p.system.request<{ shares: Record<string, Share>; portfolio: Share }>('risk', { type: 'status' });
    const summed = (shares: Share[]) => shares.reduce((sum, s) => ({ equity: sum.equity + s.equity, dayPnl: sum.dayPnl + s.dayPnl, exposure: sum.exposure + s.exposure }), { equity: 0n, dayPnl: 0n, exposure: 0n });
    p.advance();
    await waitFor(async () => Object.keys((await risk()).shares).length === 3, 'a report of each trader');
    // A market order needs a price: a report can come before the first candle.
    await waitFor(async () => (await p.status('a')).marks['SOL/USDT'] && (await p.status('b')).marks['XRP/USDT'], 'marks');
    p.signal('a', { id: 'buy', strategy: 'api', symbol: 'SOL/USDT', action: 'BUY' });
    p.signal('b', { id: 'buy', strategy: 'api', symbol: 'XRP/USDT', action: 'BUY' });
    await waitFor(async () => Object.values((await risk()).shares).filter((s) => s.exposure > 0n).length === 2, 'exposure reported by a and b');
    // Prices move: every report replaces its trader's share, and the sums follow.
    p.advance(2);
    await waitFor(async () => (await risk()).portfolio.dayPnl < 0n, 'the losses reported');
    const moved = await risk();
    expect(moved.portfolio).toEqual(summed(Object.values(moved.shares)));

    p.system.send('risk', { type: 'removeTrader', traderId: 'a' });
    const left = await risk();
    expect(Object.keys(left.shares).sort()).toEqual(['b', 'c']);
    expect(left.portfolio).toEqual(summed(Object.values(left.shares)));
  });

  test('an emergency stop closes every position, cancels open orders and halts every trader', async () => {
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: replayFiles(PATHS) } },
      traders: [trader('a', 'BTC/USDT'), trader('b', 'ETH/USDT')],
    });
    const p = platform;
    p.advance();
    await waitFor(async () => (await p.status('a')).marks['BTC/USDT'] && (await p.status('b')).marks['ETH/USDT'], 'marks');
    p.signal('a', { id: 'buy', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY' });
    p.signal('b', { id: 'resting', strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', price: '50', quantity: '1' });
    await waitFor(async () => (await p.status('a')).stats.fills > 0 && Object.values((await p.status('b')).orders).some((o) => o.status === 'open'), 'a fill and a resting order');

    p.system.send('risk', { type: 'emergencyStop', reason: 'operator: stop' });
    const [a, b] = await waitFor(async () => {
      const both = await Promise.all([p.status('a'), p.status('b')]);
      return both.every((s) => s.mode === 'halted' && Object.keys(s.orders).length === 0) && both;
    }, 'both traders to halt');
    expect(a.positions['BTC/USDT']!.quantity).toBe(0n);
    expect(a.modeReason).toBe('operator: stop');
    expect(b.stats.orders).toBe(1);
    expect((await p.balances('b')).USDT).toEqual({ free: 2_000_000_000_000n, locked: 0n });
    const events = (await p.hub()).recent;
    expect(events.filter((e) => e.kind === 'intervention')).toEqual([expect.objectContaining({ scope: 'portfolio', action: 'emergency-stop', reason: 'operator: stop' })]);
    expect(events.some((e) => e.kind === 'order' && e.order.status === 'cancelled' && e.order.signalId === 'resting')).toBe(true);
  });
});

const PATHS_SYMBOL: Record<string, string> = { stop: 'BTC/USDT', take: 'ETH/USDT', daily: 'SOL/USDT', drawdown: 'XRP/USDT', exposure: 'BNB/USDT' };
