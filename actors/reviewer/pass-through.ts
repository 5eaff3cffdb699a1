import { z } from 'zod';
import { defineActor } from '../../runtime/actor.js';

const messages = z.object({
  type: z.literal('review'),
  traderId: z.string(),
  replyTo: z.string(),
  order: z.object({ clientOrderId: z.string() }).loose(),
  context: z.unknown(),
});

/**
 * The reviewer until the AI one is configured: approves every order, through the same messages
 * (`review` in, `verdict` out) the AI cross-verification actor speaks.
 */
export default defineActor<z.infer<typeof messages>>({
  messages,
  create() {
    return {
      receive(msg, ctx) {
        ctx.send(msg.replyTo, { type: 'verdict', clientOrderId: msg.order.clientOrderId, approved: true, reason: 'pass-through reviewer: no AI review configured' });
      },
    };
  },
});
