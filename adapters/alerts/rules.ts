import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TradingError } from '../../actors/trading/errors.js';
import { issueField, issuePath } from '../../runtime/issues.js';

/** What a rule's condition can watch, and the type of each (see `sampleAlertMetrics`). */
export const ALERT_METRICS = {
  /** Share of signals refused as invalid plus orders rejected, over the last evaluation interval. */
  error_rate: 'number',
  /** Signals per second over all traders, over the last evaluation interval. */
  signal_rate: 'number',
  /** Working database connections (0 while the database is unreachable). */
  db_connections: 'number',
  /** Every exchange connected. */
  exchange_active: 'boolean',
  traders_failed: 'number',
  /** Rows waiting to be written. */
  persistence_lag_rows: 'number',
  /** Orders waiting in the human review queue. */
  reviews_queued: 'number',
  ai_breaker_open: 'boolean',
} as const;

export type AlertMetric = keyof typeof ALERT_METRICS;
export type AlertSample = Partial<Record<AlertMetric, number | boolean>>;
export type Comparison = '>' | '<' | '>=' | '<=' | '==' | '!=';

export interface AlertRule {
  name: string;
  /** As written, for messages. */
  condition: string;
  metric: AlertMetric;
  op: Comparison;
  value: number | boolean;
  /** How long the condition must hold before the rule fires. */
  durationMs: number;
  action: string;
}

const CONDITION = /^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$/;
const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

const condition = z.string().transform((text, ctx) => {
  const match = CONDITION.exec(text);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a condition such as error_rate > 0.01` });
    return z.NEVER;
  }
  const [, metric, op, literal] = match as unknown as [string, string, Comparison, string];
  const type = ALERT_METRICS[metric as AlertMetric];
  if (!type) {
    ctx.addIssue({ code: 'custom', message: `unknown metric "${metric}" (known: ${Object.keys(ALERT_METRICS).join(', ')})` });
    return z.NEVER;
  }
  if (type === 'boolean') {
    if ((literal !== 'true' && literal !== 'false') || (op !== '==' && op !== '!=')) {
      ctx.addIssue({ code: 'custom', message: `${metric} is true or false: compare it with == true, == false or !=` });
      return z.NEVER;
    }
    return { metric: metric as AlertMetric, op, value: literal === 'true' };
  }
  const value = Number(literal);
  if (!Number.isFinite(value)) {
    ctx.addIssue({ code: 'custom', message: `${metric} is a number: "${literal}" is not one` });
    return z.NEVER;
  }
  return { metric: metric as AlertMetric, op, value };
});

const duration = z.string().transform((text, ctx) => {
  const match = DURATION.exec(text);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 30s, 5m or 1h` });
    return z.NEVER;
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
});

const ruleFile = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[\w-]{1,64}$/, 'use 1 to 64 letters, digits, _ and -'),
        condition,
        duration: duration.optional(),
        action: z.string().min(1),
      }),
    )
    .min(1),
});

/** The rule file shipped with v3: the plan's four rules. */
export const DEFAULT_RULES_FILE = new URL('./alerts.yaml', import.meta.url);

/**
 * Reads and checks a rule file. Errors name the file, the rule and the field (`rules[1].condition`),
 * including an action the config does not map and a name used twice.
 */
export function loadAlertRules(file: string | URL, actions: readonly string[]): AlertRule[] {
  const where = typeof file === 'string' ? file : file.pathname;
  let input: unknown;
  try {
    input = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TradingError('ERR_INVALID_CONFIG', `cannot read the alert rules in ${where}: ${(error as Error).message}`, { field: 'alerts.file', cause: error });
  }
  return parseAlertRules(input, actions, where);
}

export function parseAlertRules(input: unknown, actions: readonly string[], where = 'the alert rules'): AlertRule[] {
  const parsed = ruleFile.safeParse(input);
  const fail = (path: (string | number)[], message: string): never => {
    const index = typeof path[1] === 'number' ? path[1] : undefined;
    const name = index === undefined ? undefined : (input as { rules?: { name?: unknown }[] }).rules?.[index]?.name;
    const rule = typeof name === 'string' ? `rule "${name}": ` : '';
    throw new TradingError('ERR_INVALID_CONFIG', `${rule}${message} (in ${where})`, { field: issuePath('', path) });
  };
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const { path, message } = issueField(issue);
    return fail(path as (string | number)[], message);
  }
  const seen = new Set<string>();
  return parsed.data.rules.map((rule, i) => {
    if (seen.has(rule.name)) fail(['rules', i, 'name'], `the name "${rule.name}" is used by an earlier rule`);
    seen.add(rule.name);
    if (!actions.includes(rule.action)) fail(['rules', i, 'action'], `unknown action "${rule.action}" (alerts.actions maps: ${actions.join(', ')})`);
    return { name: rule.name, condition: `${rule.condition.metric} ${rule.condition.op} ${String(rule.condition.value)}`, ...rule.condition, durationMs: rule.duration ?? 0, action: rule.action };
  });
}
