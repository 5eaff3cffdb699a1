import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

/** Demo: counts pulses and notices gaps, which would mean a lost message. */
const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pulse'), n: z.number().int().positive() }),
  z.object({ type: z.literal('get') }),
]);

interface Tally {
  received: number;
  last: number;
  gaps: number;
}

export default defineActor<z.infer<typeof messages>, Tally>({
  messages,
  create() {
    let tally: Tally;
    return {
      init(_ctx, snapshot) {
        tally = snapshot ?? { received: 0, last: 0, gaps: 0 };
      },
      receive(msg, ctx) {
        if (msg.type === 'get') {
          ctx.reply({ type: 'tally', ...tally });
          return;
        }
        if (msg.n !== tally.last + 1) tally.gaps++;
        tally.last = msg.n;
        tally.received++;
      },
      snapshot: () => tally,
    };
  },
});
