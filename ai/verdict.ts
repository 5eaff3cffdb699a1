import { z } from 'zod';

/** What each reviewer must answer, as JSON: the schema the model's output is held to. */
export const verdictSchema = z.strictObject({
  verdict: z.enum(['approve', 'reject']),
  confidence: z.number().min(0).max(1),
  reasons: z.array(z.string().min(1).max(500)).min(1).max(8),
});

export type Verdict = z.infer<typeof verdictSchema>;

/** Which reviewer prompt: one weighs the order against the account, the other against the market. */
export type ReviewerRole = 'risk' | 'market';

/** One reviewer's verdict on one order, with what it cost: the row stored in `reviews`. */
export interface Opinion extends Verdict {
  reviewer: ReviewerRole;
  model: string;
  promptVersion: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
}
