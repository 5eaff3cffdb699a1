import type { ReviewerRole } from './verdict.js';
import type { SubjectDescription } from './subject.js';

/** Bumped whenever a prompt's wording changes, so stored verdicts can be compared prompt by prompt. */
export const PROMPT_VERSION = 'v1';

const ANSWER =
  'Answer with JSON only: {"verdict": "approve" | "reject", "confidence": a number from 0 to 1, "reasons": ["one to eight short reasons"]}. ' +
  'Confidence is how sure you are of your verdict, not of the trade.';

/** Two independent views of the same order: each prompt sees the same facts and judges them differently. */
export const SYSTEM_PROMPTS: Record<ReviewerRole, string> = {
  risk:
    'You are the risk reviewer of an automated crypto trading platform. A strategy wants to place the order below. ' +
    "Judge it against the account only: its size against the equity, the position it builds or closes, the account's mode. " +
    'Reject orders that concentrate too much of the equity in one symbol, add to a losing position without a stated reason, or contradict the mode. ' +
    ANSWER,
  market:
    'You are the market reviewer of an automated crypto trading platform. A strategy wants to place the order below. ' +
    "Judge it against the market only: the recent price action, trend, momentum (RSI) and volatility, and whether the strategy's stated reason fits them. " +
    'Reject buys into an overbought spike or sells into an oversold capitulation unless the reason explains why. ' +
    ANSWER,
};

/** The user turn: the order and its context as JSON, amounts as exact decimal strings. */
export function userPrompt(description: SubjectDescription): string {
  return `Order to review:\n${JSON.stringify(description, null, 2)}`;
}
