import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { connectStream } from '../../helpers/stream-client.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The human review queue through the API: orders the two AI reviewers (the real SDK against a loopback
 * fake of the Messages API) disagree on wait in `/reviews` and on the `reviews` channel until a human decides.
 */
let api: ApiTestPlatform;
let fake: FakeAnthropic;
const savedKey = process.env.ANTHROPIC_API_KEY;

beforeAll(async () => {
  // The risk reviewer approves and the market reviewer rejects: every order goes to a human.
  fake = await startFakeAnthropic({ answer: (r) => (r.model === 'claude-sonnet-5-5' ? { verdict: 'approve', confidence: 0.9 } : { verdict: 'reject', confidence: 0.7, reasons: ['RSI 81: overbought'] }) });
  process.env.ANTHROPIC_API_KEY = 'sk-ant-test-api';
  api = await startApiPlatform({
    traders: [{ id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: { all: true } }],
    ai: { reviewer: 'claude', baseUrl: fake.url, retries: 0 },
  });
  await api.priced();
});
afterAll(async () => {
  await api?.close();
  await fake?.close();
  if (savedKey === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = savedKey;
});

const signal = (id: string) => api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { id, traderId: 'alpha', strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', reason: 'breakout' } });

async function queued(signalId: string): Promise<{ id: string; signalId: string; opinions: unknown[]; reason: string }> {
  return waitFor(async () => (await api.call('GET', '/api/v1/reviews', { token: api.token.read })).body.data.find((r: { signalId: string }) => r.signalId === signalId), `review of ${signalId} queued`);
}

describe('the human review queue', () => {
  it('lists a disagreement with both opinions and pushes it on the reviews channel; approving executes the order exactly once', async () => {
    const client = await connectStream(api.url, api.token.read);
    client.send({ action: 'subscribe', channel: 'reviews' });
    await client.next((f) => f.type === 'ack' && f.action === 'subscribe', 'the ack');
    expect((await signal('h1')).status).toBe(202);
    const review = await queued('h1');
    expect(review.reason).toMatch(/disagree.*overbought/);
    expect(review.opinions).toHaveLength(2);
    await waitFor(() => client.events('reviews').some((e: any) => e.data.kind === 'review.queued' && e.data.review.signalId === 'h1'), 'review.queued on the stream');

    expect((await api.call('POST', `/api/v1/reviews/${review.id}/approve`, { token: api.token.read, body: {} })).status).toBe(403);
    const approved = await api.call('POST', `/api/v1/reviews/${review.id}/approve`, { token: api.token.trade, body: { note: 'trend confirmed on 4h' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ id: review.id, traderId: 'alpha', approved: true, note: 'trend confirmed on 4h' });
    const again = await api.call('POST', `/api/v1/reviews/${review.id}/approve`, { token: api.token.trade, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'ERR_CONFLICT', field: 'id' });
    expect((await api.call('POST', `/api/v1/reviews/${review.id}/reject`, { token: api.token.trade, body: {} })).status).toBe(409);

    api.advance(1);
    const trades = await waitFor(async () => {
      const rows = (await api.call('GET', '/api/v1/trades?traderId=alpha', { token: api.token.read })).body.data.filter((t: { client_order_id: string }) => t.client_order_id === review.id);
      return rows.length > 0 && rows;
    }, 'the approved order to trade');
    await waitFor(() => client.events('reviews').some((e: any) => e.data.kind === 'review.decided' && e.data.id === review.id), 'review.decided on the stream');
    const history = await waitFor(async () => {
      const rows = (await api.call('GET', '/api/v1/reviews/history?traderId=alpha&decidedBy=human', { token: api.token.read })).body.data;
      return rows.find((r: { client_order_id: string; order_status: string }) => r.client_order_id === review.id && r.order_status === 'filled');
    }, 'the stored decision with its order filled');
    expect(history).toMatchObject({ approved: true, decided_by: 'human', note: 'trend confirmed on 4h', signal_id: 'h1' });
    expect(history.opinions.map((o: { reviewer: string; model: string; approved: boolean; promptVersion: string }) => [o.reviewer, o.model, o.approved, o.promptVersion])).toEqual([
      ['market', 'claude-haiku-5-5', false, 'v1'],
      ['risk', 'claude-sonnet-5-5', true, 'v1'],
    ]);
    expect(trades).toHaveLength(1);
    expect((await api.call('GET', `/api/v1/orders?traderId=alpha`, { token: api.token.read })).body.data.filter((o: { signal_id: string }) => o.signal_id === 'h1')).toHaveLength(1);
    client.socket.close();
  });

  it('rejecting drops the order with the note as its reason', async () => {
    await signal('h2');
    const review = await queued('h2');
    const rejected = await api.call('POST', `/api/v1/reviews/${review.id}/reject`, { token: api.token.trade, body: { note: 'news pending' } });
    expect(rejected.status).toBe(200);
    const order = await waitFor(async () => {
      const rows = (await api.call('GET', '/api/v1/orders?traderId=alpha&status=rejected', { token: api.token.read })).body.data;
      return rows.find((o: { signal_id: string }) => o.signal_id === 'h2');
    }, 'the rejected order');
    expect(order.reason).toMatch(/rejected by trade: news pending/);
  });

  it('answers bad input with the field at fault', async () => {
    const unknown = await api.call('POST', '/api/v1/reviews/v3nothing/approve', { token: api.token.trade, body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'ERR_NOT_FOUND', field: 'id' });
    const badNote = await api.call('POST', '/api/v1/reviews/v3nothing/approve', { token: api.token.trade, body: { note: 42 } });
    expect(badNote.status).toBe(422);
    expect(badNote.body.error.field).toBe('note');
    const extra = await api.call('POST', '/api/v1/reviews/v3nothing/approve', { token: api.token.trade, body: { approve: true } });
    expect(extra.status).toBe(422);
    const badFilter = await api.call('GET', '/api/v1/reviews/history?decidedBy=robot', { token: api.token.read });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.field).toBe('decidedBy');
    expect((await api.call('GET', '/api/v1/reviews?colour=red', { token: api.token.read })).status).toBe(400);
  });

  it('shows the reviewer and its spend in the status and the metrics', async () => {
    const status = await api.call('GET', '/api/v1/system/status', { token: api.token.read });
    expect(status.body.reviewer).toMatchObject({ kind: 'claude', state: 'up', describe: 'risk: claude-sonnet-5-5, market: claude-haiku-5-5' });
    const metrics = (await api.call('GET', '/metrics', { token: null })).body as string;
    expect(metrics).toMatch(/botv3_ai_calls_total\{model="claude-sonnet-5-5",result="ok"\} [1-9]/);
    expect(metrics).toMatch(/botv3_ai_tokens_total\{model="claude-haiku-5-5",direction="input"\} [1-9]/);
    expect(metrics).toMatch(/botv3_ai_reviews_total\{verdict="approve",by="human"\} 1/);
    expect(metrics).toMatch(/botv3_ai_budget\{kind="tokens_per_day_limit"\} 2000000/);
    expect(metrics).not.toContain('sk-ant-test-api');
  });
});
