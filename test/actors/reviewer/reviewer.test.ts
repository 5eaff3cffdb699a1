import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import type { QueuedReview, ReviewerStatus } from '../../../actors/reviewer/protocol.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from '../../helpers/fake-anthropic.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The reviewer actor in a running platform: traders in workers hold orders for review, the reviewer
 * asks the real SDK, which talks to a loopback fake of the Messages API.
 */
let fake: FakeAnthropic;
let platform: TestPlatform | undefined;
const savedKey = process.env.ANTHROPIC_API_KEY;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  process.env.ANTHROPIC_API_KEY = 'sk-ant-test-reviewer';
});
afterAll(async () => {
  await fake.close();
  if (savedKey === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = savedKey;
});
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const byModel = (risk: FakeReply, market: FakeReply) => (r: { model: string }) => (r.model === 'claude-sonnet-5-5' ? risk : market);

async function start(options: { review?: unknown; ai?: object; traders?: unknown[] } = {}): Promise<TestPlatform> {
  platform = await startPlatform({
    traders: options.traders ?? [{ id: 'alpha', symbols: ['ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: options.review ?? { all: true } }],
    ai: { reviewer: 'claude', baseUrl: fake.url, retries: 0, ...options.ai },
  });
  const p = platform;
  p.advance();
  await waitFor(async () => Object.keys((await p.status((p.config.traders[0]!).id)).marks).length > 0, 'the first candle');
  return p;
}

const buy = (id: string) => ({ id, strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.1', reason: 'test entry' });
const events = async (p: TestPlatform, kind: string) => (await p.hub()).recent.filter((e) => e.kind === kind) as Extract<HubEvent, { kind: string }>[];
const queue = (p: TestPlatform) => p.system.request<{ reviews: QueuedReview[] }>(ADDRESSES.reviewer, { type: 'list' }).then((r) => r.reviews);
const decide = (p: TestPlatform, id: string, approved: boolean, note?: string) => p.system.request<{ type: string; code?: string }>(ADDRESSES.reviewer, { type: 'decide', id, approved, decidedBy: 'ops', ...(note ? { note } : {}) });

describe('AI cross-verification', () => {
  test('both approve: the order goes out once, with both verdicts on the review event', async () => {
    fake.answer(() => ({ verdict: 'approve', confidence: 0.9, reasons: ['fine'] }));
    const p = await start();
    const before = fake.requests.length;
    p.signal('alpha', buy('ok'));
    await waitFor(async () => (await p.status('alpha')).stats.fills === 1, 'the fill');
    const [review] = (await events(p, 'review')) as Extract<HubEvent, { kind: 'review' }>[];
    expect(review).toMatchObject({ signalId: 'ok', approved: true, by: 'ai', flagged: false });
    expect(review!.opinions.map((o) => o.model).sort()).toEqual(['claude-haiku-5-5', 'claude-sonnet-5-5']);
    expect(fake.requests.length - before).toBe(2);
    const status = await p.system.request<ReviewerStatus>(ADDRESSES.reviewer, { type: 'status' });
    expect(status).toMatchObject({ kind: 'claude', state: 'up', queued: 0, inFlight: 0 });
    expect(status.stats.reviews.approve).toBe(1);
  });

  test('both reject: the order is dropped with their reasons', async () => {
    fake.answer(() => ({ verdict: 'reject', confidence: 0.9, reasons: ['overbought'] }));
    const p = await start();
    p.signal('alpha', buy('no'));
    const [order] = await waitFor(async () => {
      const rejected = (await events(p, 'order')).filter((e) => (e as Extract<HubEvent, { kind: 'order' }>).order.status === 'rejected');
      return rejected.length > 0 && rejected;
    }, 'the rejection');
    expect((order as Extract<HubEvent, { kind: 'order' }>).order.reason).toMatch(/^review: both reviewers reject.*overbought/);
    expect((await p.status('alpha')).stats.fills).toBe(0);
  });

  test('a disagreement waits for a human; approving executes exactly once; the queue survives a crash of the reviewer', async () => {
    fake.answer(byModel({ verdict: 'approve', confidence: 0.9 }, { verdict: 'reject', confidence: 0.8, reasons: ['against the trend'] }));
    const p = await start();
    p.signal('alpha', buy('split'));
    const [queued] = await waitFor(async () => {
      const reviews = await queue(p);
      return reviews.length > 0 && reviews;
    }, 'the queued review');
    expect(queued).toMatchObject({ traderId: 'alpha', signalId: 'split', because: ['all orders'], reason: expect.stringMatching(/disagree.*against the trend/) });
    expect(await events(p, 'review.queued')).toHaveLength(1);
    expect((await p.status('alpha')).orders[queued!.id]?.status).toBe('new');

    p.system.kill(ADDRESSES.reviewer);
    await waitFor(async () => (await queue(p).catch(() => [])).length === 1, 'the restarted reviewer with its queue');

    expect(await decide(p, queued!.id, true, 'checked the chart')).toMatchObject({ type: 'decided' });
    expect(await decide(p, queued!.id, true)).toMatchObject({ type: 'decideFailed', code: 'ERR_CONFLICT' });
    expect(await decide(p, 'v3unknown', true)).toMatchObject({ type: 'decideFailed', code: 'ERR_NOT_FOUND' });
    await waitFor(async () => (await p.status('alpha')).stats.fills === 1, 'the approved order to fill');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const status = await p.status('alpha');
    expect(status.stats.orders).toBe(1);
    expect(status.stats.fills).toBe(1);
    const [review] = (await events(p, 'review')) as Extract<HubEvent, { kind: 'review' }>[];
    expect(review).toMatchObject({ by: 'human', approved: true, note: 'checked the chart', decidedBy: 'ops' });
    expect(await events(p, 'review.decided')).toHaveLength(1);
    expect(await queue(p)).toEqual([]);
  });

  test('an undecided review expires and its order is rejected as stale', async () => {
    fake.answer(() => ({ verdict: 'approve', confidence: 0.3 }));
    const p = await start({ ai: { queue: { expiresMs: 300 } } });
    p.signal('alpha', buy('stale'));
    await waitFor(async () => (await events(p, 'review.expired')).length === 1, 'the expiry');
    // The reviewer reports the expiry to the hub directly; the trader's decision comes through its worker, maybe later.
    const [review] = (await waitFor(async () => {
      const reviews = await events(p, 'review');
      return reviews.length > 0 && reviews;
    }, 'the trader applying the expiry')) as Extract<HubEvent, { kind: 'review' }>[];
    expect(review).toMatchObject({ approved: false, by: 'expiry', reason: expect.stringMatching(/went stale/) });
    expect(await queue(p)).toEqual([]);
  });

  test('no verdict in time: rejected, or passed flagged, as the trader chose; signals needing no review never wait', async () => {
    fake.answer(() => ({ hang: true }));
    const p = await start({
      traders: [
        { id: 'strict', symbols: ['ETH/USDT'], orderNotional: 1_000, review: { all: true, timeoutMs: 300, onFailure: 'reject' } },
        { id: 'lenient', symbols: ['ETH/USDT'], orderNotional: 1_000, review: { all: true, timeoutMs: 300, onFailure: 'pass' } },
        { id: 'free', symbols: ['ETH/USDT'], orderNotional: 1_000, review: 'never' },
      ],
    });
    await waitFor(async () => Object.keys((await p.status('free')).marks).length > 0, 'marks');
    for (const id of ['strict', 'lenient', 'free']) p.signal(id, buy(`${id}-1`));
    // The free trader's order fills while the others' reviews hang.
    await waitFor(async () => (await p.status('free')).stats.fills === 1, 'the unreviewed fill');
    expect((await p.status('lenient')).stats.fills).toBe(0);
    await waitFor(async () => (await p.status('lenient')).stats.fills === 1, 'the flagged pass');
    const reviews = await waitFor(async () => {
      const all = (await events(p, 'review')) as Extract<HubEvent, { kind: 'review' }>[];
      return all.length === 2 && all;
    }, 'both policy decisions');
    expect(reviews.find((r) => r.traderId === 'lenient')).toMatchObject({ approved: true, flagged: true, by: 'policy', reason: expect.stringMatching(/passed without a verdict: no AI verdict within 300 ms/) });
    expect(reviews.find((r) => r.traderId === 'strict')).toMatchObject({ approved: false, flagged: false, by: 'policy' });
    expect((await p.status('strict')).stats.fills).toBe(0);
  });

  test('a failing API opens the breaker: reviews fail fast by policy, without calls', async () => {
    fake.answer(() => ({ status: 500 }));
    const p = await start({ review: { all: true, onFailure: 'reject' }, ai: { breaker: { minReviews: 2, resetMs: 60_000 } } });
    for (const id of ['e1', 'e2']) p.signal('alpha', buy(id));
    await waitFor(async () => (await events(p, 'review')).length === 2, 'two failed reviews');
    const calls = fake.requests.length;
    p.signal('alpha', buy('e3'));
    await waitFor(async () => (await events(p, 'review')).length === 3, 'the third, refused by the breaker');
    expect(fake.requests.length).toBe(calls);
    const third = ((await events(p, 'review')) as Extract<HubEvent, { kind: 'review' }>[]).find((r) => r.signalId === 'e3');
    expect(third?.reason).toMatch(/ERR_AI_BREAKER_OPEN/);
    expect(await p.system.request<ReviewerStatus>(ADDRESSES.reviewer, { type: 'status' })).toMatchObject({ state: 'degraded', stats: { breaker: 'open' } });
  });
});

describe('review policy', () => {
  test('reviews what the rules ask for: notional above, new symbols', async () => {
    fake.answer(() => ({ verdict: 'approve', confidence: 0.9 }));
    const p = await start({
      traders: [{ id: 'alpha', symbols: ['ETH/USDT', 'BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: { above: 2_000, newSymbols: true } }],
    });
    const held = async () => (await events(p, 'review')).map((e) => (e as Extract<HubEvent, { kind: 'review' }>).signalId);
    p.signal('alpha', buy('first-eth'));
    await waitFor(async () => (await p.status('alpha')).stats.fills === 1, 'the first fill');
    p.signal('alpha', buy('second-eth'));
    p.signal('alpha', { ...buy('big-eth'), quantity: '5' });
    await waitFor(async () => (await p.status('alpha')).stats.fills === 3, 'three fills');
    expect(await held()).toEqual(['first-eth', 'big-eth']);
  });
});
