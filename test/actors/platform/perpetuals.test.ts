import { afterEach, expect, test } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import type { TraderEvent } from '../../../actors/trader/events.js';
import { fx } from '../../helpers/trading.js';
import { fundingPayment } from '../../../actors/trading/margin.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { waitFor } from '../../helpers/wait.js';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** ETH's perpetual: its book is deep enough (40 a level) for every order here to fill in one fill. */
const SWAP = 'ETH/USDT:USDT';
/** From 07:57 UTC: the third candle (07:59 to 08:00) spans a funding time. */
const START = Date.UTC(2026, 0, 1, 7, 57);
/** Closes: flat at 100 for the shorts to open, a fall, a rise through the stop, a spike through the 20x short's liquidation. */
const PATH = [100, 100, 95, 103, 103, 106, 106];

const short = (id: string, extra: object) => ({ id, symbols: [SWAP], balances: { USDT: 2_000 }, orderNotional: 1_000, reportMs: 20, allowShort: true, ...extra });

type Seen = HubEvent & TraderEvent & { traderId: string };
async function events<K extends TraderEvent['kind']>(p: TestPlatform, kind: K, count: number): Promise<(Seen & { kind: K })[]> {
  return waitFor(async () => {
    const list = (await p.hub()).recent.filter((e) => e.kind === kind) as (Seen & { kind: K })[];
    return list.length >= count && list;
  }, `${count} ${kind} event(s)`);
}

test('shorts on the paper perpetual, in worker threads: they open, gain as the price falls, take funding, are stopped above entry, closed before liquidation, or liquidated', async () => {
  platform = await startPlatform({
    exchanges: { paper: { type: 'paper', replay: replayFiles({ [SWAP]: PATH }, START) } },
    traders: [
      // sma_crossover needs 30 candles before it signals: here it only carries the stop-loss.
      short('stopped', { leverage: 2, symbols: undefined, strategy: { name: 'sma_crossover', symbols: [SWAP], risk_params: { stop_loss: 0.02 } } }),
      short('watched', { leverage: 20, monitor: { maxMarginRatio: 0.2 } }),
      short('levered', { leverage: 20 }),
    ],
  });
  const p = platform;
  const ids = ['stopped', 'watched', 'levered'];
  p.advance(2);
  await waitFor(async () => (await Promise.all(ids.map((id) => p.status(id)))).every((s) => s.marks[SWAP] === fx('100')), 'marks at 100');
  for (const id of ids) p.signal(id, { id: 'open', strategy: 'api', symbol: SWAP, action: 'SELL' });
  await waitFor(async () => (await Promise.all(ids.map((id) => p.status(id)))).every((s) => s.stats.fills === 1), 'every short to open');
  const opened = await Promise.all(ids.map((id) => p.status(id)));
  for (const s of opened) {
    // 1,000 of notional at the mark, 100: a short of 10 ETH, sold at the bid, 99.99.
    expect(s.positions[SWAP]!).toMatchObject({ quantity: -fx('10'), avgEntry: fx('99.99') });
    expect(s.margins[SWAP]).toMatchObject({ side: 'short', mode: 'isolated' });
  }
  const entry = opened[0]!.positions[SWAP]!.avgEntry;

  // The fall: each short gains, and the candle spans 08:00, a funding time.
  p.advance();
  const funding = await events(p, 'funding', 3);
  for (const e of funding) expect(e.amount).toBe(fundingPayment(-fx('10'), fx('95'), e.rate!));
  const fallen = await p.status('levered');
  expect(fallen.unrealized).toBe(fx('49.9'));
  expect(fallen.positions[SWAP]!.funding).toBe(funding[0]!.amount);

  // Through the stop: 3 % above the entry closes the 2x short; the 20x short watched at a 20 % margin ratio is closed too.
  p.advance();
  await waitFor(async () => (await p.status('stopped')).positions[SWAP]!.quantity === 0n && (await p.status('watched')).positions[SWAP]!.quantity === 0n, 'the stop and the margin close');
  const interventions = (await p.hub()).recent.filter((e) => e.kind === 'intervention') as unknown as { traderId: string; reason: string }[];
  expect(interventions.map((e) => [e.traderId, e.reason])).toEqual(
    expect.arrayContaining([
      ['stopped', 'stop-loss: ETH/USDT:USDT down 3.010301% from entry 99.99 (limit 2%)'],
      ['watched', expect.stringMatching(/^margin ratio 25\.\d+% of ETH\/USDT:USDT reached the limit 20%: closed before liquidation$/)],
    ]),
  );
  const closes = (await events(p, 'fill', 5)).filter((e) => e.side === 'buy');
  for (const close of closes) expect(close.fill.price > entry).toBe(true);
  expect((await p.status('levered')).positions[SWAP]!.quantity).toBe(-fx('10'));

  // The spike to 106 reaches the 20x short's liquidation price: (999.9 + 49.995) / 10.05 = 104.4671...
  p.advance(2);
  const [liquidation] = await events(p, 'liquidation', 1);
  expect(liquidation).toMatchObject({ traderId: 'levered', symbol: SWAP, side: 'buy', quantity: fx('10'), reason: expect.stringMatching(/^liquidated: high 106 reached the liquidation price 104\.4\d+$/) });
  const levered = await waitFor(async () => {
    const s = await p.status('levered');
    return s.positions[SWAP]!.quantity === 0n && s;
  }, 'the liquidation to be booked');
  // The trader's ledger is its exchange account, to the unit: the margin (49.995) and the fees are gone.
  const account = (await p.balances('levered')).USDT!;
  expect(levered.balances.USDT).toBe(account.free + account.locked);
  expect(fx('2000') - levered.balances.USDT! > fx('50')).toBe(true);
  expect(levered.stats.fills).toBe(2);
});
