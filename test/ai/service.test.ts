import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeReviewer } from '../../ai/claude.js';
import { AiError } from '../../ai/errors.js';
import { ReviewService, type ReviewServiceOptions } from '../../ai/service.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from '../helpers/fake-anthropic.js';
import { reviewSubject } from '../helpers/review-subject.js';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeAnthropic;
let services: ReviewService[];

beforeEach(async () => {
  fake = await startFakeAnthropic();
  services = [];
});
afterEach(async () => {
  for (const s of services) s.close();
  await fake.close();
});

/** The real SDK against the fake, the two default reviewers, and the operating limits given. */
function service(options: Partial<ReviewServiceOptions> & { retries?: number; timeoutMs?: number } = {}): ReviewService {
  const client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: options.retries ?? 0, timeout: options.timeoutMs ?? 5_000 });
  const built = new ReviewService({
    reviewers: [new ClaudeReviewer(client, { role: 'risk', model: 'claude-sonnet-5-5', maxTokens: 256 }), new ClaudeReviewer(client, { role: 'market', model: 'claude-haiku-5-5', maxTokens: 256 })],
    minConfidence: 0.6,
    concurrency: 8,
    cacheSize: 100,
    metered: { budget: { callsPerMinute: 1_000, tokensPerDay: 10_000_000 }, breaker: { failureRate: 0.5, minReviews: 4, windowMs: 60_000, resetMs: 60_000 } },
    ...options,
  });
  services.push(built);
  return built;
}

/** Answers by model: the risk reviewer (sonnet) and the market reviewer (haiku). */
const byModel = (risk: FakeReply, market: FakeReply) => (r: { model: string }) => (r.model === 'claude-sonnet-5-5' ? risk : market);

async function failure(promise: Promise<unknown>): Promise<AiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiError);
  return error as AiError;
}

describe('cross-verification through the Messages API', () => {
  it('approves when both reviewers approve, each with its own model and prompt, and counts their tokens', async () => {
    fake.answer(byModel({ verdict: 'approve', confidence: 0.9, reasons: ['2% of equity'], inputTokens: 500, outputTokens: 30 }, { verdict: 'approve', confidence: 0.8, reasons: ['uptrend'] }));
    const s = service();
    const result = await s.review(reviewSubject());
    expect(result.outcome).toBe('approve');
    expect(result.opinions.map((o) => [o.reviewer, o.model, o.verdict, o.confidence, o.promptVersion])).toEqual([
      ['risk', 'claude-sonnet-5-5', 'approve', 0.9, 'v1'],
      ['market', 'claude-haiku-5-5', 'approve', 0.8, 'v1'],
    ]);
    expect(result.opinions[0]).toMatchObject({ inputTokens: 500, outputTokens: 30, reasons: ['2% of equity'] });
    expect(fake.requests).toHaveLength(2);
    const [risk, market] = [...fake.requests].sort((a, b) => a.model.localeCompare(b.model)).reverse();
    expect(risk!.system).toContain('risk reviewer');
    expect(market!.system).toContain('market reviewer');
    expect(risk!.apiKey).toBe(KEY);
    // The order's facts, amounts as exact decimals, and the JSON schema of the verdict.
    expect(risk!.prompt).toContain('"quantity": "0.01"');
    expect(risk!.prompt).toContain('"reason": "fast SMA crossed above slow SMA"');
    expect(risk!.body.output_config).toMatchObject({ format: { type: 'json_schema', schema: { type: 'object' } } });
    expect(s.stats().tokens).toContainEqual({ model: 'claude-sonnet-5-5', input: 500, output: 30 });
    expect(s.stats().reviews).toMatchObject({ approve: 1 });
  });

  it('rejects with both reasons when both reviewers reject', async () => {
    fake.answer(() => ({ verdict: 'reject', confidence: 0.85, reasons: ['too large'] }));
    const result = await service().review(reviewSubject());
    expect(result.outcome).toBe('reject');
    expect(result.reason).toMatch(/both reviewers reject/);
    expect(result.reason).toMatch(/too large/);
  });

  it('sends a disagreement, or agreement with low confidence, to a human', async () => {
    fake.answer(byModel({ verdict: 'approve', confidence: 0.9 }, { verdict: 'reject', confidence: 0.9, reasons: ['overbought'] }));
    const disagreement = await service().review(reviewSubject({ id: 'a' }));
    expect(disagreement.outcome).toBe('human');
    expect(disagreement.reason).toMatch(/disagree.*overbought/);
    fake.answer(byModel({ verdict: 'approve', confidence: 0.9 }, { verdict: 'approve', confidence: 0.4 }));
    const unsure = await service().review(reviewSubject({ id: 'b' }));
    expect(unsure.outcome).toBe('human');
    expect(unsure.reason).toMatch(/confidence below 0.6: market 0.4/);
  });

  it('never reviews the same order twice: a repeat comes from the cache, a concurrent one joins the first', async () => {
    fake.answer(() => ({ verdict: 'approve', confidence: 0.9 }));
    const s = service();
    const [a, b] = await Promise.all([s.review(reviewSubject({ id: 'same' })), s.review(reviewSubject({ id: 'same' }))]);
    const c = await s.review(reviewSubject({ id: 'same' }));
    expect(a).toBe(b);
    expect(c).toEqual(a);
    expect(fake.requests).toHaveLength(2);
    expect(s.stats().reviews.cached).toBe(1);
  });

  it('keeps to its concurrency limit', async () => {
    const slow = await startFakeAnthropic({ latencyMs: 50 });
    try {
      const client = new Anthropic({ apiKey: KEY, baseURL: slow.url, maxRetries: 0 });
      const s = new ReviewService({ reviewers: [new ClaudeReviewer(client, { role: 'risk', model: 'm1', maxTokens: 64 }), new ClaudeReviewer(client, { role: 'market', model: 'm2', maxTokens: 64 })], minConfidence: 0.6, concurrency: 3, cacheSize: 10 });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.review(reviewSubject({ id: `c${i}` }))));
      expect(results.every((r) => r.outcome === 'approve')).toBe(true);
      expect(slow.requests).toHaveLength(12);
      expect(slow.maxConcurrent).toBe(3);
    } finally {
      await slow.close();
    }
  });
});

describe('failures', () => {
  it('names malformed JSON in the model text, and still counts the tokens it cost', async () => {
    fake.answer(byModel({ text: 'Sure! {"verdict": "approve"' }, { verdict: 'approve', confidence: 0.9 }));
    const s = service();
    const error = await failure(s.review(reviewSubject()));
    expect(error.code).toBe('ERR_AI_MALFORMED');
    expect(error.message).toMatch(/claude-sonnet-5-5 answered with text that is not JSON/);
    expect(s.stats().tokens).toContainEqual({ model: 'claude-sonnet-5-5', input: 400, output: 40 });
    fake.answer(() => ({ text: '{"verdict": "maybe", "confidence": 2, "reasons": []}' }));
    const wrong = await failure(s.review(reviewSubject({ id: 'other' })));
    expect(wrong.message).toMatch(/verdict whose verdict is wrong/);
  });

  it('retries 529 overloaded and 500 with backoff, then succeeds', async () => {
    fake.answer((_r, i) => (i === 0 ? { status: 529 } : i === 1 ? { status: 500 } : { verdict: 'approve', confidence: 0.9 }));
    const result = await service({ retries: 2 }).review(reviewSubject());
    expect(result.outcome).toBe('approve');
    expect(fake.requests).toHaveLength(4);
  });

  it('gives up after its retries with the status and the API error type, never the key', async () => {
    fake.answer(() => ({ status: 429, retryAfterS: 0 }));
    const error = await failure(service({ retries: 1 }).review(reviewSubject()));
    expect(error.code).toBe('ERR_AI_API');
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/429: rate_limit_error/);
    expect(error.message).not.toContain(KEY);
    expect(fake.requests).toHaveLength(4);
  });

  it('times out a request that never answers', async () => {
    fake.answer(() => ({ hang: true }));
    const error = await failure(service({ timeoutMs: 200 }).review(reviewSubject()));
    expect(error.code).toBe('ERR_AI_TIMEOUT');
  });

  it('stops a call when its caller gives up', async () => {
    fake.answer(() => ({ hang: true }));
    const controller = new AbortController();
    const review = service().review(reviewSubject(), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await failure(review)).code).toBe('ERR_AI_ABORTED');
  });

  it('opens the circuit breaker when calls keep failing, makes no calls while open, and closes after a good one', async () => {
    fake.answer(() => ({ status: 500 }));
    const s = service({ metered: { budget: { callsPerMinute: 1_000, tokensPerDay: 1_000_000 }, breaker: { failureRate: 0.5, minReviews: 2, windowMs: 60_000, resetMs: 300 } } });
    for (const id of ['f1', 'f2']) expect((await failure(s.review(reviewSubject({ id })))).code).toBe('ERR_AI_API');
    expect(s.stats().breaker).toBe('open');
    const calls = fake.requests.length;
    expect((await failure(s.review(reviewSubject({ id: 'f3' })))).code).toBe('ERR_AI_BREAKER_OPEN');
    expect(fake.requests).toHaveLength(calls);
    fake.answer(() => ({ verdict: 'approve', confidence: 0.9 }));
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(s.stats().breaker).toBe('half-open');
    expect((await s.review(reviewSubject({ id: 'ok' }))).outcome).toBe('approve');
    expect(s.stats().breaker).toBe('closed');
  });

  it('a malformed answer does not open the breaker: the API is up', async () => {
    fake.answer(() => ({ text: 'not json' }));
    const s = service();
    for (const id of ['m1', 'm2', 'm3']) await failure(s.review(reviewSubject({ id })));
    expect(s.stats().breaker).toBe('closed');
  });

  it('refuses reviews once the budget of calls per minute or tokens per day is spent', async () => {
    fake.answer(() => ({ verdict: 'approve', confidence: 0.9, inputTokens: 600, outputTokens: 100 }));
    const calls = service({ metered: { budget: { callsPerMinute: 4, tokensPerDay: 1_000_000 }, breaker: { failureRate: 0.5, minReviews: 4, windowMs: 60_000, resetMs: 60_000 } } });
    await calls.review(reviewSubject({ id: 'b1' }));
    await calls.review(reviewSubject({ id: 'b2' }));
    const error = await failure(calls.review(reviewSubject({ id: 'b3' })));
    expect(error.code).toBe('ERR_AI_BUDGET');
    expect(error.message).toMatch(/4 calls per minute/);
    expect(calls.stats().budget).toMatchObject({ callsLastMinute: 4, tokensToday: 2_800 });

    const tokens = service({ metered: { budget: { callsPerMinute: 100, tokensPerDay: 1_000 }, breaker: { failureRate: 0.5, minReviews: 4, windowMs: 60_000, resetMs: 60_000 } } });
    await tokens.review(reviewSubject({ id: 't1' }));
    expect((await failure(tokens.review(reviewSubject({ id: 't2' })))).message).toMatch(/1000 tokens are spent/);
    expect(fake.requests).toHaveLength(6);
  });
});
