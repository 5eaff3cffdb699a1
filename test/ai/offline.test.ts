import { describe, expect, it } from 'vitest';
import { OfflineReviewer } from '../../ai/offline.js';
import { ReviewService } from '../../ai/service.js';
import { chooseReviewer, createReviewService } from '../../ai/setup.js';
import { describeSubject } from '../../ai/subject.js';
import { parseConfig } from '../../adapters/config/load.js';
import { reviewSubject, spike, uptrend } from '../helpers/review-subject.js';

const offline = () => new ReviewService({ reviewers: [new OfflineReviewer('risk'), new OfflineReviewer('market')], minConfidence: 0.6, concurrency: 4, cacheSize: 10 });
const ai = parseConfig({ traders: [{ id: 't' }] }).ai;

describe('the offline reviewer', () => {
  it('approves a small order with the trend', async () => {
    const result = await offline().review(reviewSubject({ closes: uptrend(30) }));
    expect(result.outcome).toBe('approve');
    expect(result.opinions.map((o) => [o.reviewer, o.model, o.verdict, o.inputTokens])).toEqual([
      ['risk', 'offline-rules', 'approve', 0],
      ['market', 'offline-rules', 'approve', 0],
    ]);
  });

  it('rejects an order of most of the equity bought into a spike', async () => {
    const result = await offline().review(reviewSubject({ quantity: '0.15', closes: spike(30) }));
    expect(result.outcome).toBe('reject');
    expect(result.reason).toMatch(/75% of the equity.*overbought/);
  });

  it('sends a disagreement to a human: a sound size bought into a spike', async () => {
    const result = await offline().review(reviewSubject({ closes: spike(30) }));
    expect(result.outcome).toBe('human');
    expect(result.reason).toMatch(/disagree/);
  });

  it('describes an order with exact amounts and market facts', () => {
    const d = describeSubject(reviewSubject({ quantity: '0.02', price: '50000.5', closes: uptrend(30) }));
    expect(d.order).toMatchObject({ quantity: '0.02', limitPrice: '50000.5', notional: '1000.01', equitySharePct: 10.0001 });
    expect(d.market.candles).toBe(30);
    expect(d.market.rsi14).toBeGreaterThan(60);
    expect(d.market.rsi14).toBeLessThan(70);
    expect(d.market.sma5).toBeGreaterThan(d.market.sma20!);
  });
});

describe('choosing the reviewer', () => {
  it('is Claude with a key (v3 or v2 name), else offline; the banner text never holds the key', async () => {
    expect(chooseReviewer(ai, {})).toMatchObject({ kind: 'offline' });
    expect(chooseReviewer(ai, { CLAUDE_API_KEY: 'sk-v2' })).toMatchObject({ kind: 'claude', describe: 'risk: claude-sonnet-5-5, market: claude-haiku-5-5' });
    const { service, choice } = await createReviewService(ai, { ANTHROPIC_API_KEY: 'sk-secret' });
    service.close();
    expect(JSON.stringify(choice)).not.toContain('sk-secret');
    expect(chooseReviewer({ ...ai, reviewer: 'offline' }, { ANTHROPIC_API_KEY: 'sk' }).kind).toBe('offline');
  });

  it('refuses reviewer claude without a key, naming the setting', () => {
    expect(() => chooseReviewer({ ...ai, reviewer: 'claude' }, {})).toThrow(expect.objectContaining({ field: 'ai.reviewer', message: expect.stringMatching(/ANTHROPIC_API_KEY nor CLAUDE_API_KEY/) }));
  });
});
