import type { Opinion } from './verdict.js';

export type CrossVerdict = { outcome: 'approve' | 'reject' | 'human'; reason: string };

/**
 * Two independent opinions make a verdict only when they agree and both are sure enough; anything
 * else is for a human to decide.
 */
export function crossVerify(a: Opinion, b: Opinion, minConfidence: number): CrossVerdict {
  const say = (o: Opinion) => `${o.reviewer} (${o.model}, ${o.confidence}): ${o.verdict}, ${o.reasons.join('; ')}`;
  const unsure = [a, b].filter((o) => o.confidence < minConfidence);
  if (a.verdict !== b.verdict) return { outcome: 'human', reason: `reviewers disagree. ${say(a)}. ${say(b)}` };
  if (unsure.length > 0) {
    return { outcome: 'human', reason: `confidence below ${minConfidence}: ${unsure.map((o) => `${o.reviewer} ${o.confidence}`).join(', ')}. ${say(a)}. ${say(b)}` };
  }
  return { outcome: a.verdict, reason: `both reviewers ${a.verdict}. ${say(a)}. ${say(b)}` };
}
