import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

/** Benchmark actor: counts what it receives; `crash`/`exit` fail on first delivery only, `ping` replies. */
const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('m'), n: z.number() }),
  z.object({ type: z.literal('crash') }),
  z.object({ type: z.literal('exit') }),
  z.object({ type: z.literal('ping') }),
]);

export default defineActor<z.infer<typeof messages>, { count: number }>({
  messages,
  create() {
    let count = 0;
    return {
      init(_ctx, snapshot) {
        count = snapshot?.count ?? 0;
      },
      receive(msg, ctx) {
        switch (msg.type) {
          case 'm':
            count++;
            return;
          case 'crash':
            if (ctx.delivery!.attempt === 1) throw new Error('benchmark crash');
            return;
          case 'exit':
            if (ctx.delivery!.attempt === 1) process.exit(1);
            return;
          case 'ping':
            ctx.reply({ type: 'pong', count });
            return;
        }
      },
      snapshot: () => ({ count }),
    };
  },
});
