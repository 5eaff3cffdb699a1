import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../adapters/alerts/engine.js';
import { prometheusRules } from '../../../adapters/alerts/prometheus.js';
import { DEFAULT_RULES_FILE, loadAlertRules, parseAlertRules, type AlertSample } from '../../../adapters/alerts/rules.js';
import { parse } from 'yaml';

const ACTIONS = ['notify_telegram', 'notify_ops_team', 'page_oncall'];
const defaults = () => loadAlertRules(DEFAULT_RULES_FILE, ACTIONS);
const healthy: AlertSample = { error_rate: 0, signal_rate: 2_000, db_connections: 2, exchange_active: true };
const MIN = 60_000;

describe('the default alert rules', () => {
  it('are the four rules of the plan', () => {
    expect(defaults().map((r) => [r.name, r.condition, r.durationMs, r.action])).toEqual([
      ['high_error_rate', 'error_rate > 0.01', 5 * MIN, 'notify_telegram'],
      ['low_signal_rate', 'signal_rate < 500', 10 * MIN, 'notify_ops_team'],
      ['database_down', 'db_connections == 0', 0, 'page_oncall'],
      ['exchange_disconnected', 'exchange_active == false', MIN, 'notify_telegram'],
    ]);
  });

  /** Steps a clock through samples; answers the transitions of each step. */
  function run(steps: [minute: number, sample: AlertSample][]) {
    const engine = new AlertEngine(defaults());
    return { engine, transitions: steps.map(([minute, sample]) => engine.evaluate(sample, minute * MIN).map((t) => `${t.rule.name} ${t.state}`)) };
  }

  it.each<[string, AlertSample, number]>([
    ['high_error_rate', { error_rate: 0.05 }, 5],
    ['low_signal_rate', { signal_rate: 100 }, 10],
    ['database_down', { db_connections: 0 }, 0],
    ['exchange_disconnected', { exchange_active: false }, 1],
  ])('%s fires once its condition held for its duration, does not repeat, and resolves', (name, bad, minutes) => {
    const steps: [number, AlertSample][] = [
      [0, healthy],
      [1, { ...healthy, ...bad }],
      ...(minutes > 0 ? ([[1 + minutes - 0.5, { ...healthy, ...bad }]] as [number, AlertSample][]) : []),
      [1 + minutes, { ...healthy, ...bad }],
      [2 + minutes, { ...healthy, ...bad }],
      [3 + minutes, healthy],
    ];
    const { engine, transitions } = run(steps);
    const fired = transitions.findIndex((t) => t.includes(`${name} firing`));
    expect(steps[fired]![0]).toBe(1 + minutes);
    expect(transitions.flat().filter((t) => t === `${name} firing`)).toHaveLength(1);
    expect(transitions.at(-1)).toEqual([`${name} resolved`]);
    expect(engine.states().find((s) => s.name === name)).toMatchObject({ state: 'ok', firedAt: (1 + minutes) * MIN, resolvedAt: (3 + minutes) * MIN });
  });

  it('a condition that stops before its duration never fires, and a missing metric changes nothing', () => {
    const { engine, transitions } = run([
      [0, { error_rate: 0.05 }],
      [4, { error_rate: 0.05 }],
      [4.5, { error_rate: 0 }],
      [6, { error_rate: 0.05 }],
      [20, {}],
    ]);
    expect(transitions.flat()).toEqual([]);
    expect(engine.states()[0]).toMatchObject({ state: 'pending', since: 6 * MIN, value: 0.05 });
  });

  it('export to Prometheus with the same conditions, durations and actions', () => {
    const file = parse(prometheusRules(defaults()));
    expect(file.groups[0].rules[0]).toEqual({
      alert: 'high_error_rate',
      expr: '(sum(rate(botv3_signals_total{outcome="rejected"}[5m])) + sum(rate(botv3_orders_total{status="rejected"}[5m]))) / clamp_min(sum(rate(botv3_signals_total[5m])), 1e-9) > 0.01',
      for: '5m',
      labels: { action: 'notify_telegram' },
      annotations: { summary: 'high_error_rate: error_rate > 0.01' },
    });
    expect(file.groups[0].rules[2]).not.toHaveProperty('for');
  });
});

describe('a broken rule file', () => {
  const rule = { name: 'r1', condition: 'signal_rate < 5', action: 'page_oncall' };
  it.each<[string, unknown, string, RegExp]>([
    ['a condition that is not one', { rules: [rule, { ...rule, name: 'r2', condition: 'signal_rate is low' }] }, 'rules[1].condition', /^rules\[1\]\.condition: rule "r2": "signal_rate is low" is not a condition/],
    ['an unknown metric', { rules: [{ ...rule, condition: 'cpu > 0.9' }] }, 'rules[0].condition', /unknown metric "cpu" \(known: error_rate, signal_rate/],
    ['a boolean compared as a number', { rules: [{ ...rule, condition: 'exchange_active > 0' }] }, 'rules[0].condition', /exchange_active is true or false/],
    ['a number compared with a word', { rules: [{ ...rule, condition: 'signal_rate < lots' }] }, 'rules[0].condition', /"lots" is not one/],
    ['a duration', { rules: [{ ...rule, duration: '5 minutes' }] }, 'rules[0].duration', /is not a duration such as 30s, 5m or 1h/],
    ['an action the config does not map', { rules: [{ ...rule, action: 'call_mum' }] }, 'rules[0].action', /unknown action "call_mum" \(alerts\.actions maps: notify_telegram/],
    ['a name used twice', { rules: [rule, rule] }, 'rules[1].name', /the name "r1" is used by an earlier rule/],
    ['an unknown field', { rules: [{ ...rule, severity: 'high' }] }, 'rules[0].severity', /unknown field/],
    ['no rules', { rules: [] }, 'rules', /./],
  ])('is refused naming the field: %s', (_, input, field, message) => {
    let error: { field?: string; message: string } | undefined;
    try {
      parseAlertRules(input, ACTIONS, 'alerts.yaml');
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.field).toBe(field);
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(/\(in alerts\.yaml\)$/);
  });
});
