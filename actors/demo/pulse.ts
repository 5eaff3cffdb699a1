import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

/** Demo: emits a numbered pulse to `args.to` every `args.everyMs`, and resumes its count after a restart. */
const argsSchema = z.object({ to: z.string(), everyMs: z.number().int().positive(), burst: z.number().int().positive().default(1) });
const messages = z.object({ type: z.literal('tick') });

export default defineActor<z.infer<typeof messages>, { sent: number }>({
  messages,
  create() {
    let sent = 0;
    let args: z.infer<typeof argsSchema>;
    return {
      init(ctx, snapshot) {
        args = argsSchema.parse(ctx.args);
        sent = snapshot?.sent ?? 0;
        ctx.setTimer('pulse', args.everyMs, { type: 'tick' }, { repeat: true });
      },
      receive(_tick, ctx) {
        for (let i = 0; i < args.burst; i++) ctx.send(args.to, { type: 'pulse', n: ++sent });
      },
      snapshot: () => ({ sent }),
    };
  },
});
