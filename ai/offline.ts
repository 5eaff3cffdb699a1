import type { Reviewer } from './claude.js';
import { PROMPT_VERSION } from './prompts.js';
import { describeSubject, type ReviewSubject, type SubjectDescription } from './subject.js';
import type { Opinion, ReviewerRole, Verdict } from './verdict.js';

export const OFFLINE_MODEL = 'offline-rules';

/**
 * The reviewer without an API key: the same two roles as rules over the same description the models
 * get, so the whole flow (agreement, refusal, disagreement to the human queue) runs on a fresh
 * machine. Deterministic: the same order in the same market always gets the same verdict.
 */
export class OfflineReviewer implements Reviewer {
  readonly role: ReviewerRole;
  readonly model = OFFLINE_MODEL;

  constructor(role: ReviewerRole) {
    this.role = role;
  }

  async review(subject: ReviewSubject): Promise<Opinion> {
    const started = performance.now();
    const description = describeSubject(subject);
    const verdict = this.role === 'risk' ? riskRules(description) : marketRules(description);
    return { ...verdict, reviewer: this.role, model: OFFLINE_MODEL, promptVersion: PROMPT_VERSION, latencyMs: Math.round(performance.now() - started), inputTokens: 0, outputTokens: 0 };
  }
}

function riskRules({ order, account }: SubjectDescription): Verdict {
  const share = order.equitySharePct;
  const position = Number(account.position);
  const adds = (order.side === 'buy' && position >= 0) || (order.side === 'sell' && position <= 0);
  if (account.mode !== 'active' && adds) return { verdict: 'reject', confidence: 0.95, reasons: [`the account is ${account.mode} and this order adds to the position`] };
  if (share === undefined) return { verdict: 'approve', confidence: 0.5, reasons: ['no price to size the order against the equity'] };
  if (share > 50) return { verdict: 'reject', confidence: 0.9, reasons: [`the order is ${share}% of the equity`] };
  if (share > 20) return { verdict: adds ? 'reject' : 'approve', confidence: 0.55, reasons: [`the order is ${share}% of the equity`] };
  return { verdict: 'approve', confidence: 0.85, reasons: [`the order is ${share}% of the equity`] };
}

function marketRules({ order, market }: SubjectDescription): Verdict {
  const { rsi14, sma5, sma20, lastClose } = market;
  if (rsi14 === undefined) return { verdict: 'approve', confidence: 0.5, reasons: [`only ${market.candles} candles: too few to judge the market`] };
  const buy = order.side === 'buy';
  if (buy && rsi14 >= 75) return { verdict: 'reject', confidence: 0.8, reasons: [`RSI ${rsi14}: overbought`] };
  if (!buy && rsi14 <= 25) return { verdict: 'reject', confidence: 0.8, reasons: [`RSI ${rsi14}: oversold`] };
  const reasons = [`RSI ${rsi14}`];
  if (sma5 === undefined || sma20 === undefined || lastClose === undefined) return { verdict: 'approve', confidence: 0.65, reasons };
  const trendUp = sma5 >= sma20;
  reasons.push(`SMA5 ${sma5} ${trendUp ? '>=' : '<'} SMA20 ${sma20}`);
  // Against the trend is a judgement call: approved, but not surely enough to go through without a human.
  return trendUp === buy ? { verdict: 'approve', confidence: 0.8, reasons } : { verdict: 'approve', confidence: 0.45, reasons: [...reasons, 'against the trend'] };
}
