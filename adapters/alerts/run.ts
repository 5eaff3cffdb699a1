import type { Logger } from 'pino';
import type { ActorSystem } from '../../runtime/system.js';
import type { PlatformControl } from '../../actors/platform/control.js';
import { ADDRESSES } from '../../actors/platform/tree.js';
import type { AlertsConfig } from '../config/schema.js';
import { AlertEngine, type AlertState, type AlertTransition } from './engine.js';
import type { AlertRule } from './rules.js';
import { AlertSampler } from './sample.js';

/** Where a rule's action can send: the Telegram bot, when it runs. */
export interface TelegramSink {
  notify(kind: 'alert', text: string): void;
}

export interface RunningAlerts {
  states(): AlertState[];
  /** One evaluation now (the timer's work), for tests and the first sample. */
  evaluate(now?: number): Promise<AlertTransition[]>;
  /** No more evaluations; resolves once the one under way and the webhook posts in flight are done. */
  stop(): Promise<void>;
}

/**
 * Evaluates the rules every `evaluateMs` in the main thread. Each firing and resolution goes to the
 * events hub as an `alert` (so the API's `system` channel shows it) and to its action's notifiers.
 * A notifier that fails is logged; it never stops the evaluation, nor trading.
 */
export function startAlerts(options: {
  system: ActorSystem;
  control: PlatformControl;
  config: AlertsConfig;
  rules: AlertRule[];
  log: Logger;
  telegram?: TelegramSink;
}): RunningAlerts {
  const { system, config, log } = options;
  const engine = new AlertEngine(options.rules);
  const sampler = new AlertSampler(options.control);
  // Posts still on their way, so that a stop does not cut off an alert fired just before it.
  const posting = new Set<Promise<void>>();

  const announce = (t: AlertTransition) => {
    const text = alertText(t);
    system.send(ADDRESSES.events, {
      type: 'alert',
      source: 'alerts',
      level: t.state === 'firing' ? 'error' : 'info',
      message: text,
      at: t.at,
      rule: { name: t.rule.name, state: t.state, condition: t.rule.condition, value: t.value, action: t.rule.action },
    });
    for (const notifier of config.actions[t.rule.action] ?? []) {
      if (notifier === 'log') (t.state === 'firing' ? log.error.bind(log) : log.info.bind(log))({ alert: t.rule.name, state: t.state, value: t.value }, text);
      else if (notifier === 'telegram') options.telegram?.notify('alert', text);
      else {
        const body = JSON.stringify({ alert: t.rule.name, state: t.state, condition: t.rule.condition, value: t.value, action: t.rule.action, at: new Date(t.at).toISOString(), text });
        const post = fetch(notifier.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) })
          .then((res) => {
            if (!res.ok) log.warn({ alert: t.rule.name, status: res.status }, 'alert webhook answered with an error');
          })
          .catch((error: Error) => log.warn({ alert: t.rule.name, err: error.message }, 'alert webhook unreachable'))
          .finally(() => posting.delete(post));
        posting.add(post);
      }
    }
  };

  let running: Promise<AlertTransition[]> | undefined;
  const evaluate = (now = Date.now()): Promise<AlertTransition[]> => {
    // A slow status (a busy platform) never stacks evaluations.
    running ??= sampler
      .sample(now)
      .then((sample) => {
        const transitions = engine.evaluate(sample, now);
        transitions.forEach(announce);
        return transitions;
      })
      .catch((error: Error) => {
        log.warn({ err: error.message }, 'alert evaluation failed');
        return [];
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void evaluate(), config.evaluateMs);
  timer.unref();
  const stop = async () => {
    clearInterval(timer);
    await running;
    await Promise.all(posting);
  };
  return { states: () => engine.states(), evaluate, stop };
}

/** `ALERT database_down firing: db_connections == 0 (now 0)`, or its resolution. */
export function alertText(t: AlertTransition): string {
  if (t.state === 'resolved') return `RESOLVED ${t.rule.name}: ${t.rule.metric} is ${String(t.value)}`;
  const held = t.rule.durationMs > 0 ? ` for ${t.rule.durationMs / 1_000} s` : '';
  return `ALERT ${t.rule.name} firing: ${t.rule.condition}${held} (now ${formatValue(t.value)})`;
}

const formatValue = (value: number | boolean) => (typeof value === 'number' ? String(Math.round(value * 10_000) / 10_000) : String(value));
