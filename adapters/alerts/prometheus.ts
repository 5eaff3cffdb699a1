import { stringify } from 'yaml';
import type { AlertMetric, AlertRule } from './rules.js';

/** Each alert metric as PromQL over the platform's `/metrics` (booleans are 1 and 0). */
const PROMQL: Record<AlertMetric, string> = {
  error_rate:
    '(sum(rate(botv3_signals_total{outcome="rejected"}[5m])) + sum(rate(botv3_orders_total{status="rejected"}[5m]))) / clamp_min(sum(rate(botv3_signals_total[5m])), 1e-9)',
  signal_rate: 'sum(rate(botv3_signals_total[1m]))',
  db_connections: 'botv3_database_connections',
  exchange_active: 'min(botv3_exchange_up)',
  traders_failed: 'botv3_traders{state="failed"}',
  persistence_lag_rows: 'botv3_persistence_lag_rows',
  reviews_queued: 'botv3_ai_reviews_pending{stage="human_queue"}',
  ai_breaker_open: 'botv3_ai_breaker_open',
};

/**
 * The rules as a Prometheus alerting-rules file, for Prometheus and Alertmanager: the same conditions
 * over the exported metrics, the duration as `for`, the action as a label to route on.
 */
export function prometheusRules(rules: readonly AlertRule[]): string {
  return stringify({
    groups: [
      {
        name: 'botv3',
        rules: rules.map((rule) => {
          const value = typeof rule.value === 'boolean' ? (rule.value ? 1 : 0) : rule.value;
          return {
            alert: rule.name,
            expr: `${PROMQL[rule.metric]} ${rule.op} ${value}`,
            ...(rule.durationMs > 0 ? { for: duration(rule.durationMs) } : {}),
            labels: { action: rule.action },
            annotations: { summary: `${rule.name}: ${rule.condition}` },
          };
        }),
      },
    ],
  }, { lineWidth: 0 });
}

/** Prometheus durations: `5m`, `90s`, `250ms`. */
function duration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
