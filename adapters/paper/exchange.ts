import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Address } from '../../runtime/message.js';
import { exchangeMessages, type ExchangeEvent, type ExchangeOrderState, type BalancesReply, type PositionsReply } from '../../actors/trading/exchange-protocol.js';
import type { Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';
import { PaperEngine, type PaperSnapshot, type Routed } from './engine.js';
import { paperOptions, type PaperExchangeArgs } from './options.js';
import { OrderLog } from './order-log.js';
import { LeaseTable, OrderFence, type LapsedOrder, type SentOrder } from '../../actors/trading/fence.js';

const messages = z.union([
  exchangeMessages,
  z.discriminatedUnion('type', [
    /** Moves the market `candles` candles on (the timer sends it; tests send it to step by hand). */
    z.object({ type: z.literal('advance'), candles: z.number().int().positive().max(10_000).default(1) }),
    /** Releases execution reports held back by the simulated latency. */
    z.object({ type: z.literal('release') }),
    /** Stops the market clock (before a graceful shutdown, so no new candles keep the traders busy). */
    z.object({ type: z.literal('pause') }),
    /** Request: whether a replay has handed out its last candle and every trader has handled it. */
    z.object({ type: z.literal('replayStatus') }),
    /** A trader handled the candles of `step` (lockstep replay: the next ones wait for every trader). */
    z.object({ type: z.literal('candlesDone'), subscriber: z.string(), step: z.number().int().nonnegative() }),
    /** A trader moved here from another cluster node: its account opens afresh as stored (see `PaperEngine.reopen`). */
    z.object({
      type: z.literal('reopenAccount'),
      account: z.string(),
      balances: z.record(z.string(), z.bigint()),
      positions: z.array(z.object({ symbol: z.string(), quantity: z.bigint(), entry: z.bigint(), leverage: z.number(), mode: z.enum(['isolated', 'cross']), owner: z.string() })),
    }),
  ]),
]);

type PaperMessage = z.infer<typeof messages>;

/** The reply to `replayStatus`. */
export interface ReplayStatus {
  type: 'replayStatus';
  /** Replaying recorded candles (`replay`), the last candle handed out, and (lockstep) handled by every trader. */
  ended: boolean;
}

/** A message to a trader held back by the simulated latency; all of them wait in one queue, so they keep their order. */
interface Held {
  due: number;
  replyTo: Address;
  message: ExchangeEvent;
}

interface State {
  /** This run's id (base-36 start time): stored trade ids of an earlier run must never be issued again. */
  run: string;
  engine: PaperSnapshot;
  subscribers: Record<Address, string[]>;
  /** The last candle published per symbol: a new subscriber gets them at once. */
  latest: Record<string, Candle>;
  held: Held[];
  /** Lockstep: the step last published, and the traders that have not yet handled it. */
  step: number;
  awaiting: Address[];
  /** In a cluster, orders held while their trader's lease lapsed (see `OrderFence`). */
  lapsed: Record<Address, LapsedOrder[]>;
}

/**
 * The paper exchange as an actor: speaks the exchange protocol (see `exchange-protocol.ts`), runs the
 * seeded market simulation on a timer and publishes candles to subscribed traders. Deterministic under
 * its seed when stepped with `advance` instead of the timer.
 */
export default defineActor<PaperMessage, State>({
  messages,
  create() {
    let args: PaperExchangeArgs;
    let engine: PaperEngine;
    let subscribers: Record<Address, string[]>;
    let latest: Record<string, Candle>;
    let held: Held[];
    let log: OrderLog;
    let run: string;
    let step: number;
    let awaiting: Set<Address>;
    let fence: OrderFence;
    let lapsed: Record<Address, LapsedOrder[]>;

    const post = (ctx: ActorContext, replyTo: Address, message: ExchangeEvent) => {
      if (args.latencyMs === 0) {
        ctx.send(replyTo, message);
        return;
      }
      held.push({ due: Date.now() + args.latencyMs, replyTo, message });
      ctx.setTimer('release', Math.max(1, held[0]!.due - Date.now()), { type: 'release' });
    };

    const deliver = (ctx: ActorContext, routed: Routed[]) => {
      const byTarget = new Map<Address, Routed['report'][]>();
      for (const { replyTo, report } of routed) {
        log.record(report);
        const list = byTarget.get(replyTo);
        if (list) list.push(report);
        else byTarget.set(replyTo, [report]);
      }
      for (const [replyTo, reports] of byTarget) post(ctx, replyTo, { type: 'executions', reports });
    };

    const publish = (ctx: ActorContext, candles: Candle[]) => {
      for (const candle of candles) latest[candle.symbol] = candle;
      if (args.lockstep) step++;
      for (const [subscriber, symbols] of Object.entries(subscribers)) {
        const wanted = candles.filter((c) => symbols.includes(c.symbol));
        if (wanted.length === 0) continue;
        if (args.lockstep) awaiting.add(subscriber);
        ctx.send(subscriber, args.lockstep ? { type: 'candles', candles: wanted, step } : { type: 'candles', candles: wanted });
      }
    };

    /** Lockstep holds the market until every trader subscribed and handled the last candles. */
    const heldBack = () => args.lockstep === true && (awaiting.size > 0 || (args.traders ?? []).some((t) => !(t in subscribers)));

    /**
     * One step of the market: fills at the new candle's open reach the traders before the candle does,
     * as they happened before its close.
     */
    /** Orders each placed, held or fenced (see `OrderFence`); held ones are judged again soon. */
    const place = (ctx: ActorContext, orders: readonly SentOrder[], now: number) => {
      const routed: Routed[] = [];
      for (const { order, generation } of orders) {
        const verdict = fence.admit(order, generation, now);
        if (verdict === 'held') continue;
        if (verdict !== 'go') {
          routed.push(verdict);
          continue;
        }
        const replyTo = (order as { replyTo?: unknown }).replyTo;
        const reports = engine.place(order, now);
        // An order with no usable replyTo cannot be answered; its rejection goes to the dead letters via the sender.
        const target = typeof replyTo === 'string' && replyTo !== '' ? replyTo : ctx.delivery?.from;
        if (target) for (const report of reports) routed.push({ replyTo: target, report });
      }
      deliver(ctx, routed);
      fence.judgeAgainSoon(ctx);
    };

    const advance = (ctx: ActorContext, now: number) => {
      const { candles, reports } = engine.advance(now);
      deliver(ctx, reports);
      publish(ctx, candles);
    };

    return {
      async init(ctx, snapshot) {
        args = ctx.args as PaperExchangeArgs;
        lapsed = snapshot?.lapsed ?? {};
        fence = new OrderFence(args.leases && new LeaseTable(args.leases), lapsed);
        run = snapshot?.run ?? `${args.node !== undefined ? `${args.node}-` : ''}${Date.now().toString(36)}`;
        const options = { ...(await paperOptions(args)), idPrefix: `${run}-` };
        engine = new PaperEngine(options, snapshot?.engine);
        subscribers = snapshot?.subscribers ?? {};
        latest = snapshot?.latest ?? {};
        held = snapshot?.held ?? [];
        step = snapshot?.step ?? 0;
        awaiting = new Set(snapshot?.awaiting ?? []);
        log = new OrderLog(args.dedupeWindow);
        if (!snapshot) {
          for (const [account, balances] of Object.entries(args.accounts)) engine.deposit(account, balances);
          for (const [account, opening] of Object.entries(args.positions ?? {})) for (const position of opening) engine.open(account, position);
        }
        if (args.candleIntervalMs > 0) ctx.setTimer('market', args.candleIntervalMs, { type: 'advance', candles: 1 }, { repeat: true });
        if (held.length > 0) ctx.setTimer('release', 1, { type: 'release' });
        fence.judgeAgainSoon(ctx, 1);
      },
      receive(msg, ctx) {
        const now = Date.now();
        switch (msg.type) {
          case 'place':
            place(ctx, msg.orders.map((order) => ({ order, generation: msg.generation })), now);
            return;
          case 'unfence':
            place(ctx, fence.release(now), now);
            return;
          case 'cancel':
            deliver(ctx, engine.cancel(msg.account, msg.clientOrderIds, now));
            return;
          case 'subscribe': {
            const known = msg.subscriber in subscribers;
            subscribers[msg.subscriber] = msg.symbols;
            // A new subscriber has a price at once, whenever its subscription arrives (it comes by the
            // trader's link, which no message of another sender waits for). Lockstep steps wait for it instead.
            const prices = known || args.lockstep ? [] : msg.symbols.flatMap((symbol) => (latest[symbol] ? [latest[symbol]] : []));
            if (prices.length > 0) ctx.send(msg.subscriber, { type: 'candles', candles: prices });
            return;
          }
          case 'openAccount':
            engine.deposit(msg.account, msg.balances as Record<string, Fixed>);
            return;
          case 'reopenAccount':
            engine.reopen(msg.account, msg.balances, msg.positions);
            return;
          case 'getBalances':
            ctx.reply({ type: 'balances', account: msg.account, balances: engine.balances(msg.account) } satisfies BalancesReply);
            return;
          case 'getOpenOrders':
            ctx.reply({ type: 'openOrders', account: msg.account, orders: engine.openOrders(msg.account) });
            return;
          case 'getPositions': {
            // With the paper account's margin and terms beside what every exchange says of a position.
            const positions = Object.fromEntries(
              Object.entries(engine.positions(msg.account)).map(([symbol, p]) => [symbol, { quantity: p.position.quantity, entry: p.position.avgEntry, margin: p.margin, leverage: p.leverage, mode: p.mode }]),
            );
            ctx.reply({ type: 'positions', account: msg.account, positions } satisfies PositionsReply);
            return;
          }
          case 'reconcile': {
            const resting = new Set(engine.openOrders(msg.account).map((o) => o.clientOrderId));
            const orders = msg.orders.map(
              ({ clientOrderId: id }): ExchangeOrderState => log.get(id) ?? (resting.has(id) ? { clientOrderId: id, known: true, status: 'open', fills: [] } : { clientOrderId: id, known: false, fills: [] }),
            );
            post(ctx, msg.replyTo, { type: 'reconciled', orders });
            return;
          }
          case 'advance':
            for (let i = 0; i < msg.candles && !heldBack(); i++) advance(ctx, now);
            return;
          case 'replayStatus':
            ctx.reply({ type: 'replayStatus', ended: engine.replayEnded === true && awaiting.size === 0 } satisfies ReplayStatus);
            return;
          case 'candlesDone':
            if (msg.step !== step || !awaiting.delete(msg.subscriber)) return;
            // The last trader done: straight on to the next candle, as fast as the traders go.
            if (!heldBack()) advance(ctx, now);
            return;
          case 'pause':
            ctx.cancelTimer('market');
            return;
          case 'release': {
            const due = held.filter((h) => h.due <= now);
            held = held.filter((h) => h.due > now);
            for (const h of due) ctx.send(h.replyTo, h.message);
            if (held.length > 0) ctx.setTimer('release', Math.max(1, held[0]!.due - now), { type: 'release' });
          }
        }
      },
      snapshot: () => ({ run, engine: engine.snapshot(), subscribers, latest, held, step, awaiting: [...awaiting], lapsed }),
    };
  },
});
