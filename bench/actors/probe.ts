import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

/**
 * Benchmark stand-in for the events hub, in the hub's place: it counts signals done (an order filled, or the signal skipped: a BUY
 * while the position is being closed, a CLOSE with nothing to close), and notes when each probe
 * signal was first answered (its order's first event past `new`, or its skip).
 */
const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('traderEvents'), traderId: z.string(), events: z.array(z.unknown()) }),
  z.object({ type: z.literal('riskEvents') }).loose(),
  /** Request: the counts, and the acknowledgement times noted since the last `take`. */
  z.object({ type: z.literal('take') }),
]);

/**
 * A high-resolution time that means the same in every thread (each thread's `performance.now()`
 * counts from its own start): what the benchmark's sender and this probe compare.
 */
export const wallClock = (): number => performance.timeOrigin + performance.now();

export interface ProbeReply {
  type: 'probeReply';
  filled: number;
  acked: Record<string, number>;
}

export default defineActor<z.infer<typeof messages>>({
  messages,
  create() {
    let filled = 0;
    let acked: Record<string, number> = {};
    return {
      receive(msg, ctx) {
        if (msg.type === 'take') {
          ctx.reply({ type: 'probeReply', filled, acked } satisfies ProbeReply);
          acked = {};
          return;
        }
        if (msg.type !== 'traderEvents') return;
        const now = wallClock();
        for (const event of msg.events as { kind?: string; signalId?: string; order?: { status: string; signalId: string } }[]) {
          // A SELL that arrives before its BUY filled has nothing to sell: the trader's decision is its answer.
          if (event?.kind === 'signal.skipped') {
            filled++;
            if (event.signalId?.startsWith('probe:') && !(event.signalId in acked)) acked[event.signalId] = now;
          }
          if (event?.kind !== 'order') continue;
          const order = event.order!;
          if (order.status === 'filled') filled++;
          if (order.status !== 'new' && order.signalId.startsWith('probe:') && !(order.signalId in acked)) acked[order.signalId] = now;
        }
      },
    };
  },
});
