import type { AlertRule, AlertSample, Comparison } from './rules.js';

export type AlertStatus = 'ok' | 'pending' | 'firing';

/** A rule as `GET /api/v1/alerts` shows it. */
export interface AlertState {
  name: string;
  condition: string;
  action: string;
  durationMs: number;
  state: AlertStatus;
  /** The metric's value at the last evaluation. */
  value: number | boolean | null;
  /** Since when the condition holds (pending or firing). */
  since: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
}

/** A rule that started or stopped firing. */
export interface AlertTransition {
  rule: AlertRule;
  state: 'firing' | 'resolved';
  value: number | boolean;
  at: number;
}

const COMPARE: Record<Comparison, (a: number | boolean, b: number | boolean) => boolean> = {
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/**
 * Rule states over successive samples: a rule whose condition holds becomes pending, fires once it
 * has held for its duration, stays firing without repeating, and resolves when the condition ends.
 * Time is whatever the caller says it is, so tests step it.
 */
export class AlertEngine {
  readonly #rules: readonly AlertRule[];
  readonly #states = new Map<string, AlertState>();

  constructor(rules: readonly AlertRule[]) {
    this.#rules = rules;
    for (const r of rules) {
      this.#states.set(r.name, { name: r.name, condition: r.condition, action: r.action, durationMs: r.durationMs, state: 'ok', value: null, since: null, firedAt: null, resolvedAt: null });
    }
  }

  /** Applies one sample taken at `now`; a metric missing from it leaves its rules as they were. */
  evaluate(sample: AlertSample, now: number): AlertTransition[] {
    const transitions: AlertTransition[] = [];
    for (const rule of this.#rules) {
      const value = sample[rule.metric];
      if (value === undefined) continue;
      const state = this.#states.get(rule.name)!;
      state.value = value;
      if (COMPARE[rule.op](value, rule.value)) {
        state.since ??= now;
        if (state.state !== 'firing' && now - state.since >= rule.durationMs) {
          state.state = 'firing';
          state.firedAt = now;
          transitions.push({ rule, state: 'firing', value, at: now });
        } else if (state.state === 'ok') {
          state.state = 'pending';
        }
        continue;
      }
      if (state.state === 'firing') {
        state.resolvedAt = now;
        transitions.push({ rule, state: 'resolved', value, at: now });
      }
      state.state = 'ok';
      state.since = null;
    }
    return transitions;
  }

  states(): AlertState[] {
    return this.#rules.map((r) => ({ ...this.#states.get(r.name)! }));
  }
}
