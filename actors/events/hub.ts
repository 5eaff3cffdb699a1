import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import { Deque } from '../../runtime/deque.js';
import type { InterventionEvent } from '../risk/manager.js';
import type { ReviewerEvent } from '../reviewer/protocol.js';
import type { TraderEvent } from '../trader/events.js';

const messages = z.discriminatedUnion('type', [
  /** Events are checked one by one below: parsing each with zod would copy every event of the feed. */
  z.object({ type: z.literal('traderEvents'), traderId: z.string(), events: z.array(z.unknown()) }),
  z.object({ type: z.literal('riskEvents'), events: z.array(z.object({ kind: z.literal('intervention') }).loose()) }),
  /** The human review queue as it changes (see `actors/reviewer`). */
  z.object({ type: z.literal('reviewerEvents'), events: z.array(z.object({ kind: z.enum(['review.queued', 'review.decided', 'review.expired']), traderId: z.string() }).loose()) }),
  /** A platform alert, e.g. persistence lost or regained the database. */
  z.object({
    type: z.literal('alert'),
    source: z.string(),
    level: z.enum(['info', 'warn', 'error']),
    message: z.string(),
    at: z.number(),
    /** Set by the alert rules: which rule fired or resolved. */
    rule: z.object({ name: z.string(), state: z.enum(['firing', 'resolved']), condition: z.string(), value: z.union([z.number(), z.boolean()]), action: z.string() }).optional(),
  }),
  /** Request: counters per trader and the latest events (only those after `since`, when given). */
  z.object({ type: z.literal('status'), recent: z.number().int().nonnegative().max(1_000).default(20), since: z.number().int().nonnegative().optional() }),
]);

export interface TraderCounters {
  rejected: number;
  duplicates: number;
  skipped: number;
  orders: number;
  filled: number;
  fills: number;
  interventions: number;
}

/** An event as the hub keeps it: numbered in arrival order (`seq`), so a reader can ask for what came after. */
export type HubEvent = ((TraderEvent & { traderId: string }) | InterventionEvent | ReviewerEvent | { kind: 'alert'; source: string; level: string; message: string; at: number; rule?: AlertRuleEvent }) & {
  seq: number;
};

/** An alert rule's change, carried by the alert it raised. */
export interface AlertRuleEvent {
  name: string;
  state: 'firing' | 'resolved';
  condition: string;
  value: number | boolean;
  action: string;
}

/** What the hub pushes to each of its `outlets` after every message: the events it just numbered. */
export interface HubStreamMessage {
  type: 'stream';
  events: HubEvent[];
}

export interface HubArgs {
  /** Addresses pushed every new event (the API's WebSocket stream, metrics). */
  outlets?: string[];
}

export interface HubStatusReply {
  type: 'hubStatus';
  counters: Record<string, TraderCounters>;
  recent: HubEvent[];
}

interface State {
  counters: Record<string, TraderCounters>;
  seq: number;
  /** The latest `KEEP` events, oldest first: a ring, as trimming an array costs a copy of it per event. */
  recent: Deque<HubEvent>;
}

const KEEP = 1_000;

/**
 * Where every trader and the risk manager report what happened. It keeps counters and the latest
 * events for the summary and `status`; persistence, the API stream and metrics subscribe here.
 * A view, not a record: it takes no snapshot (cloning its event ring at every batch would cost more
 * than the rest of the pipeline), so a restart starts its counters again.
 */
export default defineActor<z.infer<typeof messages>>({
  messages,
  create() {
    let state: State;
    let outlets: string[];
    /** Events numbered while handling the message in hand, for the outlets. */
    let fresh: HubEvent[] = [];
    const countersOf = (traderId: string) =>
      (state.counters[traderId] ??= { rejected: 0, duplicates: 0, skipped: 0, orders: 0, filled: 0, fills: 0, interventions: 0 });
    const remember = (event: DistributiveOmit<HubEvent, 'seq'>) => {
      const numbered = { ...event, seq: ++state.seq } as HubEvent;
      state.recent.push(numbered);
      if (state.recent.length > KEEP) state.recent.shift();
      if (outlets.length > 0) fresh.push(numbered);
    };
    const push = (ctx: ActorContext) => {
      if (fresh.length === 0) return;
      for (const outlet of outlets) ctx.send(outlet, { type: 'stream', events: fresh } satisfies HubStreamMessage);
      fresh = [];
    };
    return {
      init(ctx) {
        state = { counters: {}, seq: 0, recent: new Deque(KEEP + 1) };
        outlets = (ctx.args as HubArgs | undefined)?.outlets ?? [];
      },
      receive(msg, ctx) {
        handle(msg, ctx);
        push(ctx);
      },
    };

    function handle(msg: z.infer<typeof messages>, ctx: ActorContext): void {
      if (msg.type === 'status') {
        ctx.reply({ type: 'hubStatus', counters: state.counters, recent: latest(state.recent, msg.recent, msg.since ?? 0) } satisfies HubStatusReply);
        return;
      }
      if (msg.type === 'alert') {
        const { type: _type, ...alert } = msg;
        remember({ kind: 'alert', ...alert });
        return;
      }
      if (msg.type === 'reviewerEvents') {
        for (const event of msg.events as unknown as ReviewerEvent[]) remember(event);
        return;
      }
      if (msg.type === 'riskEvents') {
        for (const event of msg.events as unknown as Omit<InterventionEvent, 'seq'>[]) {
          countersOf(event.traderId ?? '*').interventions++;
          remember(event);
        }
        return;
      }
      const counters = countersOf(msg.traderId);
      for (const event of msg.events as TraderEvent[]) {
        if (typeof event?.kind !== 'string') continue;
        switch (event.kind) {
          case 'signal.rejected':
            counters.rejected++;
            break;
          case 'signal.duplicate':
            counters.duplicates++;
            break;
          case 'signal.skipped':
            counters.skipped++;
            break;
          case 'order':
            if (event.order.status === 'new') counters.orders++;
            else if (event.order.status === 'filled') counters.filled++;
            break;
          case 'fill':
            counters.fills++;
        }
        if (event.kind !== 'ledger') remember({ ...event, traderId: msg.traderId });
      }
    }
  },
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The last `count` events numbered above `since`, oldest first. */
function latest(ring: Deque<HubEvent>, count: number, since: number): HubEvent[] {
  let from = Math.max(0, ring.length - count);
  while (from < ring.length && ring.at(from)!.seq <= since) from++;
  return Array.from({ length: ring.length - from }, (_, i) => ring.at(from + i)!);
}
