import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HubEvent } from '../../actors/events/hub.js';
import type { PlatformControl } from '../../actors/platform/control.js';
import type { ReviewerStatus } from '../../actors/reviewer/protocol.js';
import type { ActorSystem } from '../../runtime/system.js';
import type { Stream } from './stream.js';

/**
 * The platform's Prometheus metrics, in one registry with Node's process metrics. Figures that live in
 * worker threads (signals per trader) and in actors (mailboxes, restarts, persistence lag) are
 * gathered from their statuses at scrape time, so worker metrics are aggregated here without a second
 * registry per thread; event counts (orders, fills, reviews) are counted as the hub pushes its events.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #orders: Counter<'trader' | 'status'>;
  readonly #fills: Counter<'trader'>;
  readonly #reviews: Counter<'verdict' | 'by'>;
  readonly #requests: Histogram<'method' | 'route' | 'status'>;

  constructor(options: { system: ActorSystem; control: PlatformControl; stream: Stream }) {
    const { system, control, stream } = options;
    const registers = [this.registry];
    // Several collectors read the same statuses; each is asked for once per scrape.
    const view: ScrapeView = {
      traders: perScrape(() => control.traders()),
      database: perScrape(() => control.database()),
      exchanges: perScrape(() => control.exchanges()),
      reviewer: perScrape(() => control.reviewer()),
      poolSize: control.poolSize,
    };
    collectDefaultMetrics({ register: this.registry, prefix: 'botv3_' });
    this.#orders = new Counter({ name: 'botv3_orders_total', help: 'Order updates reported by traders, by status', labelNames: ['trader', 'status'], registers });
    this.#fills = new Counter({ name: 'botv3_fills_total', help: 'Fills reported by traders', labelNames: ['trader'], registers });
    this.#reviews = new Counter({
      name: 'botv3_ai_reviews_total',
      help: 'Decisions on reviewed orders, by verdict and by whom (ai, human, policy, expiry)',
      labelNames: ['verdict', 'by'],
      registers,
    });
    this.#requests = new Histogram({
      name: 'botv3_api_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });

    new Counter({
      name: 'botv3_signals_total',
      help: 'Signals processed by each trader, by outcome',
      labelNames: ['trader', 'outcome'],
      registers,
      async collect() {
        this.reset();
        for (const trader of await view.traders()) {
          const stats = trader.live?.stats;
          if (!stats) continue;
          const rejected = stats.rejected + stats.duplicates;
          this.inc({ trader: trader.id, outcome: 'accepted' }, stats.signals - rejected - stats.skipped);
          this.inc({ trader: trader.id, outcome: 'rejected' }, stats.rejected);
          this.inc({ trader: trader.id, outcome: 'duplicate' }, stats.duplicates);
          this.inc({ trader: trader.id, outcome: 'skipped' }, stats.skipped);
        }
      },
    });
    new Counter({
      name: 'botv3_actor_restarts_total',
      help: 'Restarts of each actor by its supervisor',
      labelNames: ['actor'],
      registers,
      collect() {
        this.reset();
        for (const actor of system.status().actors) this.inc({ actor: actor.address }, actor.restarts);
      },
    });
    new Gauge({
      name: 'botv3_mailbox_depth',
      help: 'Messages waiting in each actor mailbox',
      labelNames: ['actor'],
      registers,
      collect() {
        for (const actor of system.status().actors) this.set({ actor: actor.address }, actor.mailbox.size);
      },
    });
    new Counter({
      name: 'botv3_mailbox_dropped_total',
      help: 'Messages dropped or refused by each actor mailbox',
      labelNames: ['actor'],
      registers,
      collect() {
        this.reset();
        for (const actor of system.status().actors) this.inc({ actor: actor.address }, actor.mailbox.dropped + actor.mailbox.rejected);
      },
    });
    new Counter({
      name: 'botv3_dead_letters_total',
      help: 'Messages that reached no actor',
      registers,
      collect() {
        this.reset();
        this.inc(system.status().deadLetters.total);
      },
    });
    new Gauge({
      name: 'botv3_persistence_lag_rows',
      help: 'Rows waiting to be written to the database',
      registers,
      async collect() {
        this.set((await view.database()).bufferedRows);
      },
    });
    new Gauge({
      name: 'botv3_database_up',
      help: '1 while the database is reachable',
      registers,
      async collect() {
        this.set((await view.database()).reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'botv3_ws_clients',
      help: 'Connected WebSocket stream clients',
      registers,
      collect() {
        this.set(stream.clients);
      },
    });
    new Counter({
      name: 'botv3_ws_messages_total',
      help: 'WebSocket stream traffic: events sent, frames sent, frames received, clients dropped as too slow',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        this.inc({ kind: 'events_sent' }, stream.stats.events);
        this.inc({ kind: 'frames_sent' }, stream.stats.frames);
        this.inc({ kind: 'frames_received' }, stream.stats.received);
        this.inc({ kind: 'clients_dropped' }, stream.stats.dropped);
      },
    });
    aiMetrics(view, registers);
    healthMetrics(view, registers);
  }

  /** Counts what the hub pushed: order updates by status, fills, review verdicts. */
  observe(events: readonly HubEvent[]): void {
    for (const event of events) {
      if (event.kind === 'order') this.#orders.inc({ trader: event.traderId, status: event.order.status });
      else if (event.kind === 'fill') this.#fills.inc({ trader: event.traderId });
      else if (event.kind === 'review') this.#reviews.inc({ verdict: event.approved ? 'approve' : 'reject', by: event.by });
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }
}

/** What the alert rules watch, so that `botv3 alerts export` rules can watch the same in Prometheus. */
function healthMetrics(view: ScrapeView, registers: Registry[]): void {
  new Gauge({
    name: 'botv3_exchange_up',
    help: '1 while an exchange is connected',
    labelNames: ['exchange'],
    registers,
    async collect() {
      this.reset();
      for (const e of await view.exchanges()) this.set({ exchange: e.name }, e.connectivity === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'botv3_traders',
    help: 'Traders by state',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const t of await view.traders()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'botv3_database_connections',
    help: 'Working database connections (0 while the database is unreachable)',
    registers,
    async collect() {
      this.set((await view.database()).reachable ? view.poolSize : 0);
    },
  });
}

/** The AI reviewer's calls, spend against its budget, breaker and queue, from its status at scrape time. */
function aiMetrics(view: ScrapeView, registers: Registry[]): void {
const { reviewer } = view;
  new Counter({
    name: 'botv3_ai_calls_total',
    help: 'Calls to the AI models, by model and result (ok or the error code)',
    labelNames: ['model', 'result'],
    registers,
    async collect() {
      this.reset();
      for (const call of (await reviewer())?.stats.calls ?? []) this.inc({ model: call.model, result: call.result }, call.count);
    },
  });
  new Counter({
    name: 'botv3_ai_tokens_total',
    help: 'Tokens spent on AI reviews, by model and direction',
    labelNames: ['model', 'direction'],
    registers,
    async collect() {
      this.reset();
      for (const t of (await reviewer())?.stats.tokens ?? []) {
        this.inc({ model: t.model, direction: 'input' }, t.input);
        this.inc({ model: t.model, direction: 'output' }, t.output);
      }
    },
  });
  new Gauge({
    name: 'botv3_ai_budget',
    help: 'AI budget: calls in the last minute and tokens today, against their limits',
    labelNames: ['kind'],
    registers,
    async collect() {
      const budget = (await reviewer())?.stats.budget;
      if (!budget) return;
      this.set({ kind: 'calls_last_minute' }, budget.callsLastMinute);
      this.set({ kind: 'calls_per_minute_limit' }, budget.callsPerMinute);
      this.set({ kind: 'tokens_today' }, budget.tokensToday);
      this.set({ kind: 'tokens_per_day_limit' }, budget.tokensPerDay);
    },
  });
  new Gauge({
    name: 'botv3_ai_breaker_open',
    help: '1 while the circuit breaker over the AI API is open',
    registers,
    async collect() {
      this.set((await reviewer())?.stats.breaker === 'open' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'botv3_ai_reviews_pending',
    help: 'Reviews waiting: in flight with the models, waiting for a call slot, or in the human queue',
    labelNames: ['stage'],
    registers,
    async collect() {
      const status = await reviewer();
      this.set({ stage: 'in_flight' }, status?.inFlight ?? 0);
      this.set({ stage: 'waiting_for_slot' }, status?.stats.waiting ?? 0);
      this.set({ stage: 'human_queue' }, status?.queued ?? 0);
    },
  });
}

/** The statuses the collectors read, each asked for once per scrape. */
interface ScrapeView {
  traders: () => ReturnType<PlatformControl['traders']>;
  database: () => ReturnType<PlatformControl['database']>;
  exchanges: () => ReturnType<PlatformControl['exchanges']>;
  reviewer: () => Promise<ReviewerStatus | undefined>;
  poolSize: number;
}

/** `ask`, answered once for the collectors of one scrape (calls within 250 ms share the answer). */
function perScrape<T>(ask: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > 250) last = { at: now, answer: ask() };
    return last.answer;
  };
}
