import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

/**
 * Benchmark stand-in for a trader, in the main thread so that its clock is the one the benchmark sends
 * orders with: notes when the first execution report of each client order id arrives.
 */
const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('executions'), reports: z.array(z.object({ clientOrderId: z.string() }).loose()) }),
  /** Request: the arrival times noted since the last `take`. */
  z.object({ type: z.literal('take') }),
]);

export default defineActor<z.infer<typeof messages>>({
  messages,
  create() {
    let arrived: Record<string, number> = {};
    return {
      receive(msg, ctx) {
        if (msg.type === 'take') {
          ctx.reply({ type: 'arrivals', arrived });
          arrived = {};
          return;
        }
        const now = performance.now();
        for (const report of msg.reports) arrived[report.clientOrderId] ??= now;
      },
    };
  },
});
