import type { PlatformControl } from '../../actors/platform/control.js';
import type { AlertSample } from './rules.js';

interface Counts {
  signals: number;
  errors: number;
}

/**
 * Takes the alert metrics from the platform's status. Rates are over the interval since the previous
 * sample, so the first sample has none (rules on them wait), and a trader restarted from scratch
 * (its counters back at 0) is counted from its new start.
 */
export class AlertSampler {
  readonly #control: PlatformControl;
  #last: { at: number; counts: Map<string, Counts> } | undefined;

  constructor(control: PlatformControl) {
    this.#control = control;
  }

  async sample(now: number): Promise<AlertSample> {
    const control = this.#control;
    // Each status once: the platform's full status would ask every trader again for its counters.
    const [traders, database, exchanges, reviewer] = await Promise.all([control.traders(), control.database(), control.exchanges(), control.reviewer()]);
    const sample: AlertSample = {
      exchange_active: exchanges.every((e) => e.connectivity === 'up'),
      traders_failed: traders.filter((t) => t.state === 'failed').length,
      persistence_lag_rows: database.bufferedRows,
      reviews_queued: reviewer?.queued ?? 0,
      ai_breaker_open: reviewer?.state === 'degraded',
    };
    if (control.hasDatabase) sample.db_connections = database.reachable ? control.poolSize : 0;
    const counts = new Map<string, Counts>();
    for (const trader of traders) {
      const stats = trader.live?.stats;
      if (stats) counts.set(trader.id, { signals: stats.signals, errors: stats.rejected + stats.ordersRejected });
    }
    if (this.#last && now > this.#last.at) {
      let signals = 0;
      let errors = 0;
      for (const [id, c] of counts) {
        const before = this.#last.counts.get(id);
        const from = before && before.signals <= c.signals ? before : { signals: 0, errors: 0 };
        signals += c.signals - from.signals;
        errors += c.errors - from.errors;
      }
      sample.signal_rate = (signals * 1_000) / (now - this.#last.at);
      sample.error_rate = signals > 0 ? errors / signals : 0;
    }
    this.#last = { at: now, counts };
    return sample;
  }
}
