import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';
import { Deque } from '../../runtime/deque.js';
import type { InterventionEvent } from '../risk/manager.js';
import type { TraderEvent } from '../trader/events.js';

const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('traderEvents'), traderId: z.string(), events: z.array(z.object({ kind: z.string() }).loose()) }),
  z.object({ type: z.literal('riskEvents'), events: z.array(z.object({ kind: z.literal('intervention') }).loose()) }),
  /** Request: counters per trader and the latest events. */
  z.object({ type: z.literal('status'), recent: z.number().int().nonnegative().max(1_000).default(20) }),
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

export type HubEvent = (TraderEvent & { traderId: string }) | InterventionEvent;

export interface HubStatusReply {
  type: 'hubStatus';
  counters: Record<string, TraderCounters>;
  recent: HubEvent[];
}

interface State {
  counters: Record<string, TraderCounters>;
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
    const countersOf = (traderId: string) =>
      (state.counters[traderId] ??= { rejected: 0, duplicates: 0, skipped: 0, orders: 0, filled: 0, fills: 0, interventions: 0 });
    const remember = (event: HubEvent) => {
      state.recent.push(event);
      if (state.recent.length > KEEP) state.recent.shift();
    };
    return {
      init() {
        state = { counters: {}, recent: new Deque(KEEP + 1) };
      },
      receive(msg, ctx) {
        if (msg.type === 'status') {
          ctx.reply({ type: 'hubStatus', counters: state.counters, recent: latest(state.recent, msg.recent) } satisfies HubStatusReply);
          return;
        }
        if (msg.type === 'riskEvents') {
          for (const event of msg.events as unknown as InterventionEvent[]) {
            countersOf(event.traderId ?? '*').interventions++;
            remember(event);
          }
          return;
        }
        const counters = countersOf(msg.traderId);
        for (const event of msg.events as unknown as TraderEvent[]) {
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
      },
    };
  },
});

/** The last `count` items, oldest first. */
function latest<T>(ring: Deque<T>, count: number): T[] {
  const from = Math.max(0, ring.length - count);
  return Array.from({ length: ring.length - from }, (_, i) => ring.at(from + i)!);
}
