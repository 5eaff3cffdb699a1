import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import { interventionSchema } from '../risk/protocol.js';
import { verdictSchema, type ReviewRequest } from '../reviewer/protocol.js';
import type { TraderArgs } from './args.js';
import type { BalancesReply, PositionsReply } from '../trading/exchange-protocol.js';
import { TraderCore, type TraderState } from './core.js';
import { CHART_CANDLES } from './chart.js';
import type { TraderEventsMessage } from './events.js';
import { ExposureNews } from './exposure-news.js';
import { strategyDefinition } from '../strategies/load.js';
import type { RecoverReply, RecoveredTrader } from './recovery.js';

const fixed = z.bigint();

/**
 * The mailbox checks envelopes only. Signals and execution reports are validated one by one inside
 * the trader, so one bad item is rejected with its reason and counted while the rest of its batch goes on.
 */
const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('signal'), signal: z.unknown() }),
  z.object({ type: z.literal('signals'), signals: z.array(z.unknown()) }),
  z.object({ type: z.literal('executions'), reports: z.array(z.unknown()) }),
  z.object({ type: z.literal('reconciled'), orders: z.array(z.unknown()) }),
  z.object({
    type: z.literal('candles'),
    candles: z.array(
      z.object({ symbol: z.string(), timeframe: z.string(), ts: z.number(), open: fixed, high: fixed, low: fixed, close: fixed, volume: fixed }),
    ),
    /** From an exchange replaying in lockstep: acknowledged once handled, so that it moves on. */
    step: z.number().int().nonnegative().optional(),
  }),
  verdictSchema,
  interventionSchema,
  /** An operator cancels some of this trader's live orders (the API's `DELETE /orders/:id`). */
  z.object({ type: z.literal('cancel'), clientOrderIds: z.array(z.string()).min(1) }),
  /** Request: replies with the trader's state. */
  z.object({ type: z.literal('status') }),
  /** Request: replies with its latest `limit` candles of `symbol` and its strategy's indicators over them (a `TraderChart`). */
  z.object({ type: z.literal('chart'), symbol: z.string(), limit: z.number().int().positive() }),
  /** Timer, `reportMs` after a change: sends the exposure report to the risk manager and moves exits on. */
  z.object({ type: z.literal('report') }),
]);

type TraderMessage = z.infer<typeof messages>;

/**
 * A trader: one strategy on its symbols and its own exchange account, in its own worker thread.
 * Everything it does leaves as messages at the end of each message it processes, so an order, its
 * events and the state that produced them are committed together or not at all.
 */
export default defineActor<TraderMessage, TraderState>({
  messages,
  // A list of signals is as much work as that many signals: the API's backpressure counts them.
  weight: (message) => (message.type === 'signals' ? message.signals.length : 1),
  create() {
    let args: TraderArgs;
    let core: TraderCore;
    /** Not in the snapshot: a restarted trader reports its exposure again. */
    const exposureNews = new ExposureNews();
    /**
     * The exposure is looked at after whatever may move it or an exit: at once when no report went in
     * the last `reportMs`, else once that is over (one timer), and every `reportMs` while exits are under
     * way. An idle trader is never woken for it, a trader fed a candle a second handles each in one
     * turn, and a burst of signals costs one report per `reportMs`.
     */
    let reportedAt = -Infinity;
    let reportDue = false;
    const report = (ctx: ActorContext, now: number) => {
      reportedAt = now;
      const news = exposureNews.of(core.exposure(now));
      if (news) ctx.send(args.risk, news);
    };
    const reportIn = (ctx: ActorContext, ms: number) => {
      reportDue = true;
      ctx.setTimer('report', ms, { type: 'report' });
    };
    const exiting = () => Object.keys(core.state.exits).length > 0;
    const afterChange = (ctx: ActorContext, now: number) => {
      if (reportDue) return;
      const wait = reportedAt + args.reportMs - now;
      if (wait > 0) return reportIn(ctx, wait);
      report(ctx, now);
      if (exiting()) reportIn(ctx, args.reportMs);
    };

    const flush = (ctx: ActorContext) => {
      const { events, cancels, orders, reviews } = core.drain();
      // Cancels leave first: an exit's closing order must find the quantity they free.
      if (cancels.length > 0) ctx.send(args.exchange, { type: 'cancel', account: args.account, replyTo: ctx.self, clientOrderIds: cancels });
      if (orders.length > 0) ctx.send(args.exchange, { type: 'place', orders, ...(args.generation !== undefined ? { generation: args.generation } : {}) });
      for (const { order, strategy, because } of reviews) {
        const { state } = core;
        const request: ReviewRequest = {
          type: 'review',
          traderId: args.id,
          replyTo: ctx.self,
          order: {
            clientOrderId: order.clientOrderId,
            signalId: order.signalId,
            symbol: order.symbol,
            side: order.side,
            type: order.type,
            quantity: order.quantity,
            ...(order.price !== undefined ? { price: order.price } : {}),
            ...(order.reason !== undefined ? { reason: order.reason } : {}),
            strategy,
          },
          context: {
            mode: state.mode,
            position: state.positions[order.symbol]?.quantity ?? 0n,
            ...(state.marks[order.symbol] !== undefined ? { mark: state.marks[order.symbol] } : {}),
            equity: core.equity(),
            candles: state.recent[order.symbol] ?? [],
          },
          policy: { timeoutMs: args.review.timeoutMs, onFailure: args.review.onFailure, because },
        };
        ctx.send(args.reviewer, request);
      }
      if (events.length > 0) ctx.send(args.events, { type: 'traderEvents', traderId: args.id, events, ...(args.generation !== undefined ? { generation: args.generation } : {}) } satisfies TraderEventsMessage);
    };

    return {
      async init(ctx, snapshot) {
        args = ctx.args as TraderArgs;
        // A snapshot is the state after the last acknowledged message: exact. Without one the platform
        // restarted, and the database has what the trader had done.
        let recovered: RecoveredTrader | undefined;
        if (!snapshot && args.persistence) {
          const reply = await ctx.request<RecoverReply>(args.persistence, { type: 'recover', traderId: args.id }, { timeoutMs: 60_000 });
          if (reply.type === 'recoverFailed') throw new Error(`trader ${args.id} cannot load its state from the database: ${reply.reason}`);
          recovered = reply.state;
        }
        core = new TraderCore(args, ctx.self, snapshot, recovered, args.strategy && (await strategyDefinition(args.strategy)));
        core.keepChart(CHART_CANDLES);
        const swaps = args.markets.some((m) => m.swap);
        // A real account's trader starts from what the account holds, once: after that its ledger is stored.
        const firstOnAccount = !snapshot && args.accountShare !== undefined && recovered?.balances === undefined;
        if (firstOnAccount) {
          const reply = await ctx
            .request<BalancesReply>(args.exchange, { type: 'getBalances', account: args.account, wallet: swaps ? 'swap' : 'spot' }, { timeoutMs: 60_000 })
            .catch((error: Error) => {
              throw new Error(`trader ${args.id} cannot read its starting balances from account ${args.account}: ${error.message}`, { cause: error });
            });
          const held = Object.fromEntries(Object.entries(reply.balances).map(([asset, b]) => [asset, b.free + b.locked]));
          core.openLedger(held, args.accountShare!, Date.now());
        }
        // Its perpetuals: taken over from a real account at the first start (see `takeOverPositions`); else
        // what the database has is checked against the account's, and a difference halts it.
        if (swaps && (recovered || firstOnAccount)) {
          const reply = await ctx.request<PositionsReply>(args.exchange, { type: 'getPositions', account: args.account }, { timeoutMs: 60_000 });
          if (firstOnAccount) core.takeOverPositions(reply.positions, Date.now());
          else core.checkPositions(reply.positions, Date.now());
        }
        flush(ctx);
        ctx.send(args.exchange, { type: 'subscribe', subscriber: ctx.self, symbols: args.markets.map((m) => m.symbol), account: args.account, since: core.heldSince() });
        const live = Object.values(core.state.orders).map(({ clientOrderId, symbol }) => ({ clientOrderId, symbol }));
        if (recovered && live.length > 0) ctx.send(args.exchange, { type: 'reconcile', account: args.account, replyTo: ctx.self, orders: live });
        afterChange(ctx, Date.now());
      },
      receive(msg, ctx) {
        const now = Date.now();
        switch (msg.type) {
          case 'signal':
            core.onSignal(msg.signal, `m${ctx.delivery!.seq}`, now);
            break;
          case 'signals':
            msg.signals.forEach((signal, i) => core.onSignal(signal, `m${ctx.delivery!.seq}.${i}`, now));
            break;
          case 'candles':
            core.onCandles(msg.candles, now);
            // After the orders: the exchange gets them before it hears the trader is done with the candle.
            flush(ctx);
            if (msg.step !== undefined) ctx.send(args.exchange, { type: 'candlesDone', subscriber: ctx.self, step: msg.step });
            afterChange(ctx, now);
            return;
          case 'executions':
            core.onExecutions(msg.reports, now);
            break;
          case 'reconciled':
            core.onReconciled(msg.orders, now);
            break;
          case 'verdict':
            core.onVerdict(withoutType(msg), now);
            break;
          case 'intervene':
            if (core.onIntervention(msg, `${ctx.delivery?.seq ?? now}`, now).cancel) {
              ctx.send(args.exchange, { type: 'cancel', account: args.account, replyTo: ctx.self });
            }
            break;
          case 'cancel':
            ctx.send(args.exchange, { type: 'cancel', account: args.account, replyTo: ctx.self, clientOrderIds: msg.clientOrderIds });
            return;
          case 'status':
            ctx.reply(core.status());
            return;
          case 'chart':
            ctx.reply(core.chart(msg.symbol, msg.limit));
            return;
          case 'report':
            // The report that was due: made below whenever the last one went, as after any change.
            reportDue = false;
            reportedAt = -Infinity;
            core.onTick(now);
            break;
        }
        flush(ctx);
        afterChange(ctx, now);
      },
      snapshot: () => core.snapshot(),
    };
  },
});

function withoutType<T extends { type: string }>(message: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = message;
  return rest;
}
