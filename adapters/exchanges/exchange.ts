import type { Exchange, Order as CcxtOrder } from 'ccxt';
import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Address } from '../../runtime/message.js';
import { exchangeMessages, orderRequestSchema, type BalancesReply, type ExecutionReport, type OrderRequest, type PositionsReply } from '../../actors/trading/exchange-protocol.js';
import { div, fixedToString, toFixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';
import { isSwapSymbol } from '../../actors/trading/symbol.js';
import { parseTimeframe } from '../../actors/trading/timeframe.js';
import type { CcxtExchangeArgs } from './args.js';
import { createClient } from './client.js';
import { resolveCredentials } from './credentials.js';
import { toExchangeError } from './ccxt-errors.js';
import type { ExchangeError } from './errors.js';
import { ExchangeGuard } from './guard.js';
import { MarketsCache } from './markets-cache.js';
import { isFinal, orderState, reportsFor, unitsOf, type TrackedOrder } from './orders.js';
import { PROFILES } from './profiles/index.js';
import { fundingReports, heldPositions, liquidationReports, MarginTerms, perpetualParams, spotWallet, swapWallet } from './swaps.js';
import { checkCandles, checkOrder } from './responses.js';
import { LeaseTable, OrderFence, type LapsedOrder, type SentOrder } from '../../actors/trading/fence.js';

const DAY_MS = 86_400_000;

const messages = z.union([
  exchangeMessages,
  z.discriminatedUnion('type', [
    /** Timer: fetches live orders for fills and candles for subscribers. */
    z.object({ type: z.literal('poll') }),
    /** Timer: fetches funding and liquidations on the perpetuals subscribers hold. */
    z.object({ type: z.literal('holdings') }),
    /** Request: connectivity and live orders. */
    z.object({ type: z.literal('status') }),
    /** Stops publishing candles (before a graceful shutdown); live orders are still followed. */
    z.object({ type: z.literal('pause') }),
  ]),
]);

type Message = z.infer<typeof messages>;

interface State {
  /** Orders placed and not final, by client order id. */
  live: Record<string, TrackedOrder>;
  subscribers: Record<Address, string[]>;
  /** Open time of the last candle published, per symbol. */
  lastCandle: Record<string, number>;
  /** Who holds each perpetual of each account (`account\nsymbol`), and the times of the last funding and liquidation reported to it. */
  holders: Record<string, Holder>;
  /** In a cluster, orders held while their trader's lease lapsed (see `OrderFence`). */
  lapsed: Record<Address, LapsedOrder[]>;
}

interface Holder {
  subscriber: Address;
  funding: number;
  liquidation: number;
}

export interface ExchangeStatusReply {
  type: 'exchangeStatus';
  name: string;
  connectivity: 'up' | 'degraded' | 'down';
  lastError?: string;
  liveOrders: number;
}

/**
 * An exchange reached through ccxt, as an actor speaking the same protocol as the paper exchange, so
 * a trader moves between them by configuration. One ccxt client per account, all sharing one load of
 * the markets (cached on disk); every call goes through the exchange's guard (retries for what may
 * pass, none for a rejected order, a circuit breaker). Orders are rounded with the market's precision
 * and checked against its limits before they are sent, with the trader's deterministic client order
 * id in the exchange's own field, so a resent order is refused by the exchange, never placed twice.
 * Exchanges report fills when asked: live orders and candles are fetched every `pollMs`.
 */
export default defineActor<Message, State>({
  messages,
  create() {
    let args: CcxtExchangeArgs;
    let state: State;
    let guard: ExchangeGuard;
    let fence: OrderFence;
    let markets: MarketsCache;
    const clients = new Map<string, Exchange>();
    const terms = new MarginTerms();
    let paused = false;

    /** The account's client, with its markets: created and loaded once, then handed out as it is. */
    const client = async (account: string): Promise<Exchange> => {
      const ready = clients.get(account);
      if (ready?.markets) return ready;
      const credentials = resolveCredentials(args.exchange, account, args.keysFile ? { file: args.keysFile } : {});
      const created =
        ready ??
        createClient({
          exchange: args.exchange,
          sandbox: args.sandbox,
          timeoutMs: args.timeoutMs,
          ...(args.rateLimitMs !== undefined ? { rateLimitMs: args.rateLimitMs } : {}),
          ...(args.swaps ? { swaps: true } : {}),
          ...(credentials ? { credentials } : {}),
          ...(args.endpoint ? { endpoint: args.endpoint } : {}),
        });
      clients.set(account, created);
      await guard.run(() => markets.load(created));
      return created;
    };

    const send = (ctx: ActorContext, replyTo: Address, reports: ExecutionReport[]) => {
      if (reports.length > 0) ctx.send(replyTo, { type: 'executions', reports });
    };

    /** Rounded to the market and checked against its limits; the reason when it cannot be sent. */
    const prepare = (exchange: Exchange, order: OrderRequest): { amount: number; price?: number } | string => {
      const market = exchange.markets?.[order.symbol];
      if (!market || !(market.spot || (market.swap && market.linear))) return `${order.symbol} is not a spot market or linear perpetual of ${args.name}`;
      let amount: number;
      let price: number | undefined;
      try {
        // A perpetual's amount is in contracts.
        amount = Number(exchange.amountToPrecision(order.symbol, fixedToString(div(order.quantity, unitsOf(exchange, order.symbol).contract))));
        price = order.price === undefined ? undefined : Number(exchange.priceToPrecision(order.symbol, fixedToString(order.price)));
      } catch (error) {
        // ccxt refuses an amount that rounds to nothing at the market's precision.
        return `${(error as Error).message} (minimum ${market.limits.amount?.min})`;
      }
      const limits = market.limits;
      if (!(amount > 0) || (limits.amount?.min !== undefined && amount < limits.amount.min)) return `amount ${amount} is below the minimum ${limits.amount?.min} of ${order.symbol}`;
      if (price !== undefined && limits.cost?.min !== undefined && amount * price < limits.cost.min) return `order value ${amount * price} is below the minimum ${limits.cost.min} of ${order.symbol}`;
      return price === undefined ? { amount } : { amount, price };
    };

    const place = async (ctx: ActorContext, input: unknown, now: number) => {
      const parsed = orderRequestSchema.safeParse(input);
      const replyTo = (input as { replyTo?: unknown })?.replyTo;
      if (!parsed.success) {
        if (typeof replyTo !== 'string') return;
        const issue = parsed.error.issues[0]!;
        const clientOrderId = String((input as { clientOrderId?: unknown }).clientOrderId ?? '');
        send(ctx, replyTo, [{ kind: 'rejected', clientOrderId, account: '', symbol: '', reason: `${issue.path.join('.')}: ${issue.message}`, ts: now }]);
        return;
      }
      const order = parsed.data as OrderRequest;
      const base = { clientOrderId: order.clientOrderId, account: order.account, symbol: order.symbol, ts: now };
      const reject = (reason: string, kind: 'rejected' | 'duplicate' = 'rejected') => send(ctx, order.replyTo, [{ ...base, kind, reason }]);
      if (state.live[order.clientOrderId]) return reject('client order id already live', 'duplicate');
      const tracked: TrackedOrder = { clientOrderId: order.clientOrderId, exchangeOrderId: undefined, account: order.account, symbol: order.symbol, replyTo: order.replyTo, reported: 0n };
      try {
        const exchange = await client(order.account);
        const prepared = prepare(exchange, order);
        if (typeof prepared === 'string') return reject(prepared);
        const swapTerms = exchange.markets![order.symbol]!.swap ? PROFILES[args.exchange].swaps : undefined;
        if (swapTerms) {
          const wanted = { account: order.account, symbol: order.symbol, leverage: order.leverage ?? 1, mode: order.marginMode ?? 'isolated' };
          await terms.apply(exchange, swapTerms, wanted, (call) => guard.run(call));
        }
        const params = swapTerms ? perpetualParams(swapTerms, order) : { clientOrderId: order.clientOrderId };
        const placed = await guard.run(async () => checkOrder(args.name, await exchange.createOrder(order.symbol, order.type, order.side, prepared.amount, prepared.price, params)));
        // Placed: if its trades cannot be read now, it is reported accepted, and its fills come with the next poll.
        const seen = await withTrades(exchange, placed, order.symbol).catch(() => ({ ...placed, status: 'open', filled: 0, trades: [] }) as CcxtOrder);
        send(ctx, order.replyTo, reportsFor(tracked, seen, unitsOf(exchange, order.symbol), now));
        if (!isFinal(seen)) state.live[order.clientOrderId] = tracked;
      } catch (error) {
        const failure = toExchangeError(error, args.name);
        if (failure.code === 'ERR_DUPLICATE_ORDER') return reject(failure.message, 'duplicate');
        if (failure.retryable) {
          // Sent, maybe placed: kept live without an exchange id, and looked up by client order id.
          state.live[order.clientOrderId] = tracked;
          return;
        }
        reject(`${failure.code}: ${failure.message}`);
      }
    };

    /** Orders placed, held or fenced (see `OrderFence`), each judged as it leaves: the one before may have waited on the exchange for a while. */
    const admit = async (ctx: ActorContext, orders: readonly SentOrder[], now: number) => {
      for (const { order, generation } of orders) {
        const verdict = fence.admit(order, generation, Date.now());
        if (verdict === 'go') await place(ctx, order, now);
        else if (verdict !== 'held') send(ctx, verdict.replyTo, [verdict.report]);
      }
      fence.judgeAgainSoon(ctx);
    };

    /**
     * A filled perpetual order with its trades: the futures venues state an order's fee only on its
     * trades (Binance's fapi order has none), and a fill booked without it would leave the ledger off.
     */
    const withTrades = async (exchange: Exchange, order: CcxtOrder, symbol: string): Promise<CcxtOrder> => {
      if (!exchange.markets?.[symbol]?.swap || !order.filled || order.trades?.length) return order;
      const param = PROFILES[args.exchange].swaps?.orderTradesParam;
      const trades = await guard.run(() => (param ? exchange.fetchMyTrades(symbol, undefined, undefined, { [param]: order.id }) : exchange.fetchOrderTrades(order.id!, symbol)));
      // Gate cannot ask for one order's futures trades: the symbol's recent ones come, and the order's are kept.
      return { ...order, trades: trades.filter((t) => t.order === undefined || t.order === order.id) };
    };

    /** The order as the exchange has it now, by its id, or by our client order id when the id never came back. */
    const lookUp = async (tracked: Pick<TrackedOrder, 'account' | 'symbol' | 'clientOrderId' | 'exchangeOrderId'>): Promise<CcxtOrder | undefined> => {
      const exchange = await client(tracked.account);
      try {
        return await withTrades(
          exchange,
          await guard.run(async () =>
            checkOrder(args.name, await exchange.fetchOrder(tracked.exchangeOrderId ?? '', tracked.symbol, tracked.exchangeOrderId ? {} : { clientOrderId: tracked.clientOrderId })),
          ),
          tracked.symbol,
        );
      } catch (error) {
        if ((error as ExchangeError).code === 'ERR_ORDER_NOT_FOUND') return undefined;
        throw error;
      }
    };

    const pollOrders = async (ctx: ActorContext, now: number) => {
      for (const tracked of Object.values(state.live)) {
        const order = await lookUp(tracked).catch(() => null);
        if (order === null) continue;
        if (order === undefined) {
          if (tracked.exchangeOrderId === undefined) {
            send(ctx, tracked.replyTo, [{ clientOrderId: tracked.clientOrderId, account: tracked.account, symbol: tracked.symbol, kind: 'rejected', reason: 'never reached the exchange', ts: now }]);
            delete state.live[tracked.clientOrderId];
          }
          continue;
        }
        send(ctx, tracked.replyTo, reportsFor(tracked, order, unitsOf(clients.get(tracked.account)!, tracked.symbol), now));
        if (isFinal(order)) delete state.live[tracked.clientOrderId];
      }
    };

    const pollCandles = async (ctx: ActorContext) => {
      const symbols = new Set(Object.values(state.subscribers).flat());
      if (symbols.size === 0) return;
      const exchange = await client('default').catch(() => undefined);
      if (!exchange) return;
      const frame = parseTimeframe(args.timeframe);
      for (const symbol of symbols) {
        const rows = await guard.run(async () => checkCandles(args.name, await exchange.fetchOHLCV(symbol, args.timeframe, state.lastCandle[symbol], 100))).catch(() => []);
        // The last row is the candle still forming: only closed ones are published.
        const closed = rows.filter((r) => r[0]! + frame <= Date.now() && r[0]! > (state.lastCandle[symbol] ?? 0));
        if (closed.length === 0) continue;
        const candles: Candle[] = closed.map(([ts, open, high, low, close, volume]) => ({
          symbol,
          timeframe: args.timeframe,
          ts: ts!,
          open: toFixed(open, 'open'),
          high: toFixed(high, 'high'),
          low: toFixed(low, 'low'),
          close: toFixed(close, 'close'),
          volume: toFixed(volume ?? 0, 'volume'),
        }));
        state.lastCandle[symbol] = closed.at(-1)![0]!;
        for (const [subscriber, wanted] of Object.entries(state.subscribers)) {
          if (wanted.includes(symbol)) ctx.send(subscriber, { type: 'candles', candles });
        }
      }
    };

    /**
     * Funding and liquidations since the last reported, per perpetual held, to its holder: a report's
     * time is the venue's, and the next look starts after it, so each is sent once.
     */
    const pollHoldings = async (ctx: ActorContext, now: number) => {
      for (const [key, holder] of Object.entries(state.holders)) {
        const [account, symbol] = key.split('\n') as [string, string];
        const exchange = await client(account).catch(() => undefined);
        if (!exchange) continue;
        const funding = await guard.run(() => exchange.fetchFundingHistory(symbol, holder.funding + 1)).catch(() => undefined);
        const liquidations = exchange.has.fetchMyLiquidations ? await guard.run(() => exchange.fetchMyLiquidations(symbol, holder.liquidation + 1)).catch(() => undefined) : [];
        const paid = fundingReports(funding ?? [], account, symbol, holder.funding, PROFILES[args.exchange].swaps?.fundingIsFee);
        const liquidated = liquidationReports(liquidations ?? [], account, symbol, holder.liquidation, unitsOf(exchange, symbol).contract);
        // After an empty answer the next look starts no earlier than a day ago: venues answer a window after
        // the start asked (Bybit's is 7 days), and a quiet week would otherwise leave every later payment outside it.
        if (funding) holder.funding = paid.at(-1)?.ts ?? Math.max(holder.funding, now - DAY_MS);
        if (liquidations) holder.liquidation = liquidated.at(-1)?.ts ?? Math.max(holder.liquidation, now - DAY_MS);
        send(ctx, holder.subscriber, [...paid, ...liquidated].sort((a, b) => a.ts - b.ts));
      }
    };

    return {
      init(ctx, snapshot) {
        args = ctx.args as CcxtExchangeArgs;
        state = snapshot ?? { live: {}, subscribers: {}, lastCandle: {}, holders: {}, lapsed: {} };
        fence = new OrderFence(args.leases && new LeaseTable(args.leases), state.lapsed);
        guard = new ExchangeGuard(args.name, args.guard);
        markets = new MarketsCache(args.marketsDir);
        ctx.setTimer('poll', args.pollMs, { type: 'poll' }, { repeat: true });
        if (args.swaps) ctx.setTimer('holdings', args.holdingsCheckMs, { type: 'holdings' }, { repeat: true });
        fence.judgeAgainSoon(ctx, 1);
      },
      async receive(msg, ctx) {
        const now = Date.now();
        switch (msg.type) {
          case 'place':
            await admit(ctx, msg.orders.map((order) => ({ order, generation: msg.generation })), now);
            return;
          case 'unfence':
            await admit(ctx, fence.release(now), now);
            return;
          case 'cancel': {
            const ids = msg.clientOrderIds ?? Object.keys(state.live).filter((id) => state.live[id]!.account === msg.account);
            for (const id of ids) {
              const tracked = state.live[id];
              if (!tracked?.exchangeOrderId) continue;
              const exchange = await client(tracked.account);
              const cancelled = await guard.run(() => exchange.cancelOrder(tracked.exchangeOrderId!, tracked.symbol)).catch(() => undefined);
              if (cancelled) send(ctx, tracked.replyTo, [{ clientOrderId: id, exchangeOrderId: tracked.exchangeOrderId, account: tracked.account, symbol: tracked.symbol, kind: 'cancelled', reason: 'cancelled on request', ts: now }]);
              if (cancelled) delete state.live[id];
            }
            return;
          }
          case 'subscribe':
            state.subscribers[msg.subscriber] = msg.symbols;
            // Funding and liquidations are followed for the perpetuals of the subscriber's account: from when
            // it says it booked them up to (after a restart of the platform), else from now.
            for (const symbol of msg.account === undefined ? [] : msg.symbols.filter(isSwapSymbol)) {
              const from = msg.since?.[symbol] ?? now;
              state.holders[`${msg.account}\n${symbol}`] ??= { subscriber: msg.subscriber, funding: from, liquidation: from };
            }
            return;
          case 'openAccount':
            // Real accounts are opened at the exchange, not by the platform.
            return;
          case 'getBalances': {
            const exchange = await client(msg.account);
            if (msg.wallet !== 'swap') {
              ctx.reply({ type: 'balances', account: msg.account, balances: spotWallet(await guard.run(() => exchange.fetchBalance())) } satisfies BalancesReply);
              return;
            }
            const balance = await guard.run(() => exchange.fetchBalance({ type: 'swap' }));
            // The positions only for their unrealized P&L, where ccxt's total includes it.
            const positions = PROFILES[args.exchange].swaps!.totalIsEquity ? await guard.run(() => exchange.fetchPositions()) : [];
            ctx.reply({ type: 'balances', account: msg.account, balances: swapWallet(balance, positions) } satisfies BalancesReply);
            return;
          }
          case 'getPositions': {
            const exchange = await client(msg.account);
            ctx.reply({ type: 'positions', account: msg.account, positions: heldPositions(exchange, await guard.run(() => exchange.fetchPositions())) } satisfies PositionsReply);
            return;
          }
          case 'getOpenOrders': {
            const exchange = await client(msg.account);
            const orders = await guard.run(() => exchange.fetchOpenOrders());
            ctx.reply({ type: 'openOrders', account: msg.account, orders: orders.map((o) => ({ id: o.id, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, price: o.price, amount: o.amount, filled: o.filled })) });
            return;
          }
          case 'reconcile': {
            const orders = [];
            for (const { clientOrderId, symbol } of msg.orders) {
              const exchangeOrderId = state.live[clientOrderId]?.exchangeOrderId;
              const order = await lookUp({ account: msg.account, symbol, clientOrderId, exchangeOrderId });
              orders.push(orderState(clientOrderId, order, unitsOf(clients.get(msg.account)!, symbol)));
              // From now on this actor follows the order, as if it had placed it.
              if (order && !isFinal(order)) state.live[clientOrderId] = { clientOrderId, exchangeOrderId: order.id, account: msg.account, symbol, replyTo: msg.replyTo, reported: orders.at(-1)!.fills.reduce((sum, f) => sum + f.quantity, 0n) };
            }
            ctx.send(msg.replyTo, { type: 'reconciled', orders });
            return;
          }
          case 'poll':
            await pollOrders(ctx, now);
            if (!paused) await pollCandles(ctx);
            return;
          case 'holdings':
            await pollHoldings(ctx, now);
            return;
          case 'pause':
            paused = true;
            return;
          case 'status':
            ctx.reply({
              type: 'exchangeStatus',
              name: args.name,
              connectivity: guard.connectivity,
              ...(guard.lastError !== undefined ? { lastError: guard.lastError } : {}),
              liveOrders: Object.keys(state.live).length,
            } satisfies ExchangeStatusReply);
        }
      },
      snapshot: () => state,
    };
  },
});
