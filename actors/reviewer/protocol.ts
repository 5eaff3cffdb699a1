import { z } from 'zod';
import { reviewSubjectSchema, type ReviewSubject } from '../../ai/subject.js';
import type { Opinion } from '../../ai/verdict.js';
import type { ReviewDecision } from '../trader/events.js';

/** A trader asks for the review of an order it holds; the verdict comes back to `replyTo`. */
export const reviewRequestSchema = reviewSubjectSchema.extend({
  type: z.literal('review'),
  replyTo: z.string(),
  policy: z.object({
    /** After this long without a verdict, `onFailure` decides. */
    timeoutMs: z.number().int().positive(),
    onFailure: z.enum(['reject', 'pass']),
    /** The rules that asked for this review. */
    because: z.array(z.string()),
  }),
});

export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

const opinionSchema = z.object({
  reviewer: z.enum(['risk', 'market']),
  model: z.string(),
  promptVersion: z.string(),
  verdict: z.enum(['approve', 'reject']),
  confidence: z.number(),
  reasons: z.array(z.string()),
  latencyMs: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
});

/** The reviewer's decision, as the trader receives it. */
export const verdictSchema = z.object({
  type: z.literal('verdict'),
  clientOrderId: z.string(),
  approved: z.boolean(),
  reason: z.string(),
  by: z.enum(['ai', 'human', 'policy', 'expiry']),
  flagged: z.boolean(),
  opinions: z.array(opinionSchema),
  note: z.string().optional(),
  decidedBy: z.string().optional(),
});

export type VerdictMessage = { type: 'verdict' } & ReviewDecision;

/** An order waiting for a human: the reviews disagreed, or were not sure enough. */
export interface QueuedReview {
  /** The order's client order id. */
  id: string;
  traderId: string;
  signalId: string;
  order: ReviewSubject['order'];
  context: ReviewSubject['context'];
  opinions: Opinion[];
  /** Why it needs a human. */
  reason: string;
  /** The trader's review rules that asked for the review. */
  because: string[];
  queuedAt: number;
  expiresAt: number;
}

/** What the reviewer reports to the events hub: the human queue as it changes. */
export type ReviewerEvent =
  | { kind: 'review.queued'; traderId: string; review: QueuedReview; at: number }
  | { kind: 'review.decided'; traderId: string; id: string; approved: boolean; note?: string; decidedBy?: string; at: number }
  | { kind: 'review.expired'; traderId: string; id: string; at: number };

export interface ReviewerStatus {
  type: 'reviewerStatus';
  kind: 'claude' | 'offline';
  describe: string;
  /** `up`, or `degraded` while the circuit breaker is open. */
  state: 'up' | 'degraded';
  queued: number;
  inFlight: number;
  stats: import('../../ai/service.js').ReviewServiceStats;
}
