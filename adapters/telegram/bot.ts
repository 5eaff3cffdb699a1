import { Bot, InlineKeyboard, type Context } from 'grammy';
import type { Logger } from 'pino';
import type { PlatformControl } from '../../actors/platform/control.js';
import { balanceText, positionsText, reviewText, statusText, tradersText } from './format.js';

const HELP = [
  '/status - platform state, uptime, traders',
  '/balance - balances and equity per trader',
  '/positions - open positions',
  '/traders - every trader, its state and P&L',
  '/reviews - orders waiting for a human review, with approve and reject buttons',
  '/halt <trader> - halt one trader (cancel its orders, stop trading)',
  '/resume [trader] - lift halts, of all traders or one',
  '/stop - emergency stop of every trader (asks first)',
];

/** Queued reviews shown by `/reviews`; the rest are counted. */
const REVIEWS_SHOWN = 10;

/**
 * The Telegram bot: v2's commands and the review queue, through the platform's control plane, only
 * for the configured chats. Anyone else is refused, logged and counted (`refused`).
 */
export function createTelegramBot(options: {
  token: string;
  apiRoot?: string;
  chatIds: readonly number[];
  control: PlatformControl;
  version: string;
  log: Logger;
}): { bot: Bot; refused: () => number } {
  const { control, log } = options;
  const allowed = new Set(options.chatIds);
  let refused = 0;
  const bot = new Bot(options.token, options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {});
  const who = (ctx: Context) => `telegram:${ctx.from?.username ?? ctx.from?.id ?? 'unknown'}`;

  bot.use(async (ctx, next) => {
    const chat = ctx.chat?.id;
    if (chat !== undefined && allowed.has(chat)) return next();
    refused++;
    log.warn({ chat, user: ctx.from?.username ?? ctx.from?.id }, 'telegram: refused an update from a chat that may not command this bot');
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: 'This chat may not command this bot.' });
    else if (chat !== undefined) await ctx.reply('This chat may not command this bot.');
  });

  bot.command(['start', 'help'], (ctx) => ctx.reply([`BOT Trading v3 ${options.version}. Commands:`, ...HELP].join('\n')));
  bot.command('status', async (ctx) => ctx.reply(statusText(await control.status(), options.version)));
  bot.command('balance', async (ctx) => ctx.reply(balanceText(await control.traders())));
  bot.command('positions', async (ctx) => ctx.reply(positionsText(await control.traders())));
  bot.command('traders', async (ctx) => ctx.reply(tradersText(await control.traders())));

  bot.command('halt', async (ctx) => {
    const traderId = ctx.match.trim();
    if (!traderId) return ctx.reply('Usage: /halt <trader id> (see /traders)');
    await control.intervene(traderId, 'halt', `halted from Telegram by ${who(ctx)}`);
    return ctx.reply(`Halting ${traderId}: its orders are cancelled and it stops trading. /resume ${traderId} lifts it.`);
  });
  bot.command('resume', async (ctx) => {
    const traderId = ctx.match.trim() || undefined;
    await control.resume(`resumed from Telegram by ${who(ctx)}`, traderId);
    return ctx.reply(traderId ? `Resuming ${traderId}.` : 'Resuming every trader.');
  });

  bot.command('stop', (ctx) =>
    ctx.reply('Emergency stop: every trader cancels its orders, closes its positions and halts. Sure?', {
      reply_markup: new InlineKeyboard().text('Yes, stop everything', 'stop:yes').text('Cancel', 'stop:no'),
    }),
  );
  bot.callbackQuery('stop:yes', async (ctx) => {
    await control.emergencyStop(`emergency stop from Telegram by ${who(ctx)}`);
    await ctx.answerCallbackQuery({ text: 'Emergency stop sent' });
    await ctx.editMessageText(`Emergency stop sent by ${who(ctx)}. /resume lifts it.`);
  });
  bot.callbackQuery('stop:no', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'Cancelled' });
    await ctx.editMessageText('Emergency stop cancelled.');
  });

  bot.command('reviews', async (ctx) => {
    const queue = await control.reviewQueue();
    if (queue.length === 0) return ctx.reply('No reviews waiting.');
    for (const review of queue.slice(0, REVIEWS_SHOWN)) {
      await ctx.reply(reviewText(review), { reply_markup: new InlineKeyboard().text('Approve', `rv:a:${review.id}`).text('Reject', `rv:r:${review.id}`) });
    }
    if (queue.length > REVIEWS_SHOWN) await ctx.reply(`... and ${queue.length - REVIEWS_SHOWN} more: see GET /api/v1/reviews.`);
  });
  bot.callbackQuery(/^rv:([ar]):(.+)$/, async (ctx) => {
    const [, verb, id] = ctx.match as RegExpMatchArray as [string, 'a' | 'r', string];
    const approved = verb === 'a';
    try {
      await control.decideReview(id, approved, { decidedBy: who(ctx) });
    } catch (error) {
      await ctx.answerCallbackQuery({ text: (error as Error).message.slice(0, 190) });
      return;
    }
    await ctx.answerCallbackQuery({ text: approved ? 'Approved: the order goes out' : 'Rejected' });
    await ctx.editMessageText(`${ctx.callbackQuery.message?.text ?? `Review ${id}`}\n\n${approved ? 'Approved' : 'Rejected'} by ${who(ctx)}.`);
  });

  bot.on('message:text', (ctx) => ctx.reply('Unknown command: /help lists them.'));

  // A command that fails answers with the reason (a trader id that does not exist, say) and is logged.
  bot.catch(async (error) => {
    log.warn({ err: (error.error as Error)?.message, update: error.ctx.update.update_id }, 'telegram: a command failed');
    await error.ctx.reply(`Failed: ${(error.error as Error)?.message ?? 'internal error'}`).catch(() => undefined);
  });
  return { bot, refused: () => refused };
}
