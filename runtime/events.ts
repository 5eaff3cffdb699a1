import type { ErrorInfo } from './errors.js';
import type { DeadLetter } from './dead-letters.js';
import type { Address } from './message.js';

/** What the runtime reports: the API, metrics and the log subscribe to these. */
export type SystemEvent =
  | { type: 'actor_started'; address: Address; incarnation: number; threadId?: number }
  | { type: 'actor_crashed'; address: Address; error: ErrorInfo; inHandSeq: number }
  | { type: 'actor_restarting'; address: Address; delayMs: number; restartsInWindow: number }
  | { type: 'actor_hung'; address: Address; silentMs: number }
  | { type: 'actor_stopped'; address: Address; normal: boolean }
  | { type: 'actor_failed'; address: Address; error: ErrorInfo; restartsInWindow: number }
  | { type: 'dead_letter'; letter: DeadLetter };

export type SystemEventType = SystemEvent['type'];
export type SystemEventOf<T extends SystemEventType> = Extract<SystemEvent, { type: T }>;
