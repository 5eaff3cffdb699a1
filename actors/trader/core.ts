import { z } from 'zod';
import type { Address } from '../../runtime/message.js';
import { STRATEGIES } from '../strategies/registry.js';
import { StrategyDriver } from '../strategies/driver.js';
import type { StrategyContext, StrategyDefinition, StrategySignal } from '../strategies/strategy.js';
import type { ExchangeOrderState, ExecutionReport, HeldPosition, OrderRequest } from '../trading/exchange-protocol.js';
import { abs, div, fixedToString, mul, type Fixed } from '../trading/fixed.js';
import { clientOrderId, idKey, liquidationOrderId, SeenIds, type SeenIdsSnapshot } from '../trading/ids.js';
import { bookFill, bookSwapFill, move, type Balances } from '../trading/ledger.js';
import { initialMargin, liquidationPrice, maintenanceMargin, marginRatio, ratioOf, type MarginMode } from '../trading/margin.js';
import { CandleAggregator } from '../trading/candle-aggregator.js';
import { parseTimeframe } from '../trading/timeframe.js';
import { sizeProblem, type Candle, type Market } from '../trading/market.js';
import { applyFill, isTerminal, transition, type Order, type Side } from '../trading/order.js';
import { applyFillToPosition, emptyPosition, unrealizedPnl, type Position } from '../trading/position.js';
import { parseSignal, type Signal } from '../trading/signal.js';
import type { TraderMode } from '../risk/limits.js';
import { marginCheck, preTradeCheck, type MarginAfter, type RateState } from '../risk/pre-trade.js';
import type { ExposureReport, Intervention } from '../risk/protocol.js';
import type { TraderArgs } from './args.js';
import type { ReviewDecision, SignalAsked, SizedOrder, TraderEvent } from './events.js';
import type { RecoveredTrader } from './recovery.js';
import { sizeExit, sizeOrder } from './sizing.js';
import { ChartRing, type TraderChart } from './chart.js';
import { idRecord, own } from '../trading/own.js';

export interface TraderStats {
  signals: number;
  rejected: number;
  duplicates: number;
  skipped: number;
  orders: number;
  ordersRejected: number;
  fills: number;
  /** Rejected signals per field, e.g. `{ symbol: 3, quantity: 1 }`. */
  rejectedBy: Record<string, number>;
}

/** What `drain()` returns when the message in hand produced nothing; frozen, as every caller shares it. */
const NOTHING = Object.freeze({ events: Object.freeze([]) as unknown as TraderEvent[], cancels: Object.freeze([]) as unknown as string[], orders: Object.freeze([]) as unknown as OrderRequest[], reviews: Object.freeze([]) as unknown as HeldOrder[] });
const DAY_MS = 86_400_000;
/** The leverage an order is counted at when the trader's equity is gone: above any limit. */
const MAX_LEVERAGE_SEEN = 10n ** 18n;

export interface TraderState {
  positions: Record<string, Position>;
  balances: Balances;
  /** Live orders (not yet in a final state), by client order id. */
  orders: Record<string, Order>;
  /** Quantity the live orders would still buy and sell, per symbol. */
  pending: Record<string, Pending>;
  /** Exits under way, by symbol: at most one each. */
  exits: Record<string, Exit>;
  /** Exits that could not flatten their position, by symbol, and why; cleared by the next exit or a flat position. */
  unclosed: Record<string, Unclosed>;
  marks: Record<string, Fixed>;
  mode: TraderMode;
  modeReason: string;
  seen: SeenIdsSnapshot;
  rate: RateState;
  strategy: unknown;
  /** Bars still being built, by timeframe (the strategy's, and any more it asks for), then by symbol. */
  bars: Record<string, Record<string, Candle>>;
  day: { date: string; startEquity: Fixed };
  stats: TraderStats;
  /** Losing closes in a row, for the review policy's `afterLosses`. */
  losses: number;
  /** The latest candles of each symbol, the market context of a review; kept only when orders can be reviewed. */
  recent: Record<string, Candle[]>;
}

/** An order the review policy holds for the reviewer, and the rules that asked for it. */
export interface HeldOrder {
  order: Order;
  /** The strategy that sent the signal (`api` for an outside one), which the reviewer weighs the reason against. */
  strategy: string;
  because: string[];
}

export interface Pending {
  buy: Fixed;
  sell: Fixed;
}

/**
 * A position being flattened (CLOSE, a stop-loss or take-profit, an operator's close, an emergency
 * stop). Every other live order of the symbol is cancelled first, since it competes for the same
 * quantity (a resting sell) or would grow the position again (a resting buy); the closing order is
 * sized once none is left, against what is actually held.
 */
export interface Exit {
  /** The signal that asked for it; its id names the closing orders. */
  signalId: string;
  reason: string;
  /** When it last asked the exchange to cancel the symbol's other live orders: asked again while they linger. */
  askedAt: number;
  /** Closing orders sent so far, the live one, and why the last one left the position open. */
  attempts: number;
  order?: string;
  lastReason?: string;
}

export interface Unclosed {
  quantity: Fixed;
  reason: string;
  at: number;
}

/** Closing orders an exit sends before it reports that it could not flatten the position. */
const EXIT_ATTEMPTS = 5;
/** How long a cancel an exit waits on may linger before it is asked again (a cancel lost on the way). */
const EXIT_CANCEL_RETRY_MS = 2_000;

/** Candles of context sent with each review. */
const REVIEW_CANDLES = 30;

/**
 * A new order the exchange does not know at reconciliation never left (its node died first, or fenced
 * it): it is sent now if it is younger than this, and rejected when older, as the moment it was meant
 * for is gone. A failover reconciles within seconds.
 */
export const RESEND_WITHIN_MS = 60_000;

export type TraderStatus = Pick<TraderState, 'positions' | 'balances' | 'orders' | 'marks' | 'mode' | 'modeReason' | 'stats' | 'exits' | 'unclosed'> & {
  type: 'traderStatus';
  traderId: string;
  equity: Fixed;
  unrealized: Fixed;
  /** Margin of each open swap position, by symbol. */
  margins: Record<string, PositionMargin>;
  /** Equity less the equity at the start of the UTC day (as the risk manager's daily loss limit counts it); absent before the first exposure report. */
  dayPnl?: Fixed;
};

/** A swap position's margin as the trader counts it (the exchange's figures may differ by rounding). */
export interface PositionMargin {
  side: 'long' | 'short';
  leverage: number;
  mode: MarginMode;
  /** Initial margin: notional at entry over leverage. */
  margin: Fixed;
  /** What backs it: its margin (isolated), or the wallet less the other positions' margin (cross). */
  collateral: Fixed;
  /** Undefined for a long its collateral covers down to zero. */
  liquidationPrice?: Fixed;
  /** Maintenance margin over collateral plus unrealized P&L at the mark: ONE is liquidation. */
  marginRatio: Fixed;
}

const fillSchema = z.object({
  tradeId: z.string(),
  quantity: z.bigint().positive(),
  price: z.bigint().positive(),
  fee: z.bigint().nonnegative(),
  feeAsset: z.string(),
  liquidity: z.enum(['maker', 'taker']),
});

const orderStateSchema = z.object({
  clientOrderId: z.string(),
  known: z.boolean(),
  status: z.enum(['open', 'filled', 'cancelled', 'rejected', 'expired']).optional(),
  exchangeOrderId: z.string().optional(),
  fills: z.array(fillSchema),
  reason: z.string().optional(),
});

const reportSchema = z.object({
  kind: z.enum(['accepted', 'fill', 'cancelled', 'rejected', 'expired', 'duplicate', 'liquidation', 'funding', 'fenced']),
  clientOrderId: z.string(),
  exchangeOrderId: z.string().optional(),
  account: z.string(),
  symbol: z.string(),
  fill: fillSchema.optional(),
  side: z.enum(['buy', 'sell']).optional(),
  funding: z.object({ amount: z.bigint(), rate: z.bigint().optional() }).optional(),
  reason: z.string().optional(),
  ts: z.number(),
});

/**
 * One trader's pipeline: validate -> drop duplicates -> size -> pre-trade risk -> AI review when the
 * policy asks -> order to the exchange -> fills -> position, P&L and ledger -> events. It keeps no
 * state outside `TraderState`, which is its snapshot, so a restarted trader resumes exactly where the
 * last acknowledged message left it.
 */
export class TraderCore {
  readonly #args: TraderArgs;
  /** The trader's own address: where execution reports come back to. */
  readonly #self: Address;
  readonly #markets: Map<string, Market>;
  /** The quote assets of the markets, each once: the cash part of the equity. */
  readonly #quotes: readonly string[];
  readonly #symbols: ReadonlySet<string>;
  readonly #state: TraderState;
  readonly #seen: SeenIds;
  readonly #strategy: StrategyDriver | undefined;
  /** What the strategy sees of this trader: its positions and marks, read live. */
  readonly #context: StrategyContext;
  /** One per timeframe the strategy gets, the shortest first. */
  readonly #bars: CandleAggregator[] = [];
  /** Effects of the message in hand, sent together when it is done. */
  #events: TraderEvent[] = [];
  #outgoing: OrderRequest[] = [];
  /** Live orders to cancel, sent before the message's new orders. */
  #cancels: string[] = [];
  /** Orders of the message in hand waiting for the reviewer. */
  #reviews: HeldOrder[] = [];
  /** Whether any rule of the review policy can ever ask for a review. */
  readonly #reviewing: boolean;
  /**
   * Orders the message in hand changed, reported once each with their state at its end: an order
   * accepted and filled by one execution report batch is one `filled` event, not `open` then `filled`.
   */
  readonly #touched = new Map<string, Order>();
  /** Count of `state.orders`, kept so the per-signal open-orders check is not a walk over every live order. */
  #live: number;
  /** Start of the UTC day `state.day` was last checked against (-Infinity: not yet). */
  #dayStart = -Infinity;
  /** The latest closed candles and indicators of each symbol, once `keepChart` asked for them. */
  #chart: ChartRing | undefined;
  /** Whether events are kept for `drain`: off once `discardEvents` was called. */
  #recording = true;

  /**
   * From its snapshot after a crash; from what the database kept (`recovered`) after a restart of the
   * platform. `strategy` is the definition `args.strategy` names, loaded (a built-in when absent).
   */
  constructor(args: TraderArgs, self: Address, snapshot: TraderState | undefined, recovered?: RecoveredTrader, strategy?: StrategyDefinition) {
    this.#args = args;
    this.#self = self;
    this.#markets = new Map(args.markets.map((m) => [m.symbol, m]));
    this.#symbols = new Set(this.#markets.keys());
    this.#quotes = [...new Set(args.markets.map((m) => m.quote))];
    this.#state = snapshot ?? {
      positions: Object.fromEntries((recovered?.positions ?? []).map((p) => [p.symbol, p])),
      balances: { ...(recovered?.balances ?? args.balances) },
      orders: Object.fromEntries((recovered?.orders ?? []).map((o) => [o.clientOrderId, o])),
      pending: pendingOf(recovered?.orders ?? []),
      exits: {},
      unclosed: {},
      marks: {},
      mode: recovered?.mode ?? 'active',
      modeReason: recovered?.modeReason ?? '',
      seen: { sealed: [], open: new Float64Array(0) },
      rate: { tokens: 0, at: 0 },
      strategy: undefined,
      bars: {},
      day: { date: '', startEquity: 0n },
      stats: { signals: 0, rejected: 0, duplicates: 0, skipped: 0, orders: 0, ordersRejected: 0, fills: 0, rejectedBy: {} },
      losses: 0,
      recent: {},
    };
    // A snapshot's records come back as plain objects.
    this.#state.orders = idRecord(this.#state.orders);
    const review = args.review;
    this.#reviewing = review.all || review.above !== undefined || review.newSymbols || review.afterLosses > 0 || review.sample > 0;
    this.#seen = new SeenIds(args.dedupeWindow, this.#state.seen);
    if (!snapshot) for (const id of recovered?.signalIds ?? []) this.#seen.add(idKey(id));
    this.#live = Object.keys(this.#state.orders).length;
    const { positions, marks } = this.#state;
    this.#context = { position: (symbol) => positions[symbol]?.quantity ?? 0n, mark: (symbol) => marks[symbol] };
    if (args.strategy) {
      const definition = strategy ?? STRATEGIES[args.strategy.type]!;
      this.#strategy = new StrategyDriver(definition, {
        params: args.strategy.params,
        source: args.strategy.module ?? args.strategy.type,
        resume: this.#state.strategy,
        context: this.#context,
      });
      const timeframes = [...new Set([args.strategy.timeframe, ...(definition.timeframes ?? [])])].sort((a, b) => parseTimeframe(a) - parseTimeframe(b));
      for (const timeframe of timeframes) this.#bars.push(new CandleAggregator(timeframe, (this.#state.bars[timeframe] ??= {})));
    }
  }

  get state(): TraderState {
    return this.#state;
  }

  /**
   * Keeps the last `candles` closed candles of each symbol (the strategy's timeframe; as they come
   * without a strategy) with the strategy's indicators at each, for `chart()`. Off unless asked: a
   * backtest has no use for it.
   */
  keepChart(candles: number): void {
    this.#chart = new ChartRing(candles);
  }

  /**
   * Keeps no events from now on: `drain` hands out none. For a backtest, which reads the trader's
   * orders and the exchange's fills but no events, and would otherwise build, copy and drop several
   * for each signal and fill. Trading is the same either way: no decision reads an event.
   */
  discardEvents(): void {
    this.#recording = false;
  }

  #emit(event: TraderEvent): void {
    if (this.#recording) this.#events.push(event);
  }

  /** The chart of `symbol`: its last `limit` candles kept and the indicators over them (none when no chart is kept). */
  chart(symbol: string, limit: number): TraderChart {
    return this.#chart?.chart(symbol, limit) ?? { type: 'traderChart', symbol, timeframe: null, candles: [], indicators: [] };
  }

  snapshot(): TraderState {
    this.#state.seen = this.#seen.snapshot();
    if (this.#strategy) this.#state.strategy = this.#strategy.snapshot();
    return this.#state;
  }

  /**
   * Starts the ledger from a real account (`args.accountShare`): `share` of what the account holds of
   * each asset the trader's markets use (a perpetual's quote only), free and locked. Reported as a
   * `ledger` event of deposits, so the database keeps it and a restart goes on from it.
   */
  openLedger(held: Record<string, Fixed>, share: Fixed, now: number): void {
    const assets = new Set([...this.#markets.values()].flatMap((m) => (m.swap ? [m.quote] : [m.base, m.quote])));
    const balances: Balances = {};
    const entries = [...assets].sort().map((asset) => move(balances, asset, mul(held[asset] ?? 0n, share), 'deposit', 'account', now));
    this.#state.balances = balances;
    this.#emit({ kind: 'ledger', entries, equity: this.equity() });
  }

  /**
   * Takes over its perpetuals at its first start on a real account: what the account holds of them
   * (one trader holds an account's perpetual, see the platform tree), or, when it brings positions of
   * its own (carried from v2), those, checked against the account's. Either way their funding counts
   * from now: the ledger opened from the wallet as it stands. Reported as a `positions.adopted` event,
   * so the database keeps them.
   */
  takeOverPositions(held: Record<string, HeldPosition>, now: number): void {
    const swaps = [...this.#markets.values()].filter((m) => m.swap);
    if (swaps.some((m) => (this.#state.positions[m.symbol]?.quantity ?? 0n) !== 0n)) {
      this.checkPositions(held, now);
    } else {
      for (const m of swaps) {
        const h = held[m.symbol];
        if (h) this.#state.positions[m.symbol] = { ...emptyPosition(m.symbol), quantity: h.quantity, avgEntry: h.entry, openedAt: now, funding: 0n };
      }
    }
    const taken = swaps.flatMap((m) => {
      const position = this.#state.positions[m.symbol];
      if (!position || position.quantity === 0n) return [];
      position.fundedTo = now;
      return [{ ...position }];
    });
    if (taken.length > 0) this.#emit({ kind: 'positions.adopted', positions: taken, at: now });
  }

  /**
   * From when the exchange is asked for the funding and liquidations of each perpetual it holds: after
   * the last payment booked, else since the position opened.
   */
  heldSince(): Record<string, number> {
    const since: Record<string, number> = {};
    for (const m of this.#markets.values()) {
      const position = this.#state.positions[m.symbol];
      if (m.swap && position && position.quantity !== 0n) since[m.symbol] = position.fundedTo ?? position.openedAt;
    }
    return since;
  }

  /**
   * Checks the positions it started with (from the database: held before a restart, or carried from
   * v2) against what the account holds of its perpetuals. Any difference halts the trader, with a
   * `positions.mismatch` event naming both sides: trading on a position that is not there, or not
   * managing one that is, waits for a person to resolve it and resume the trader.
   */
  checkPositions(held: Record<string, HeldPosition>, now: number): void {
    const differ = [...this.#markets.values()]
      .filter((m) => m.swap)
      .map((m) => ({ symbol: m.symbol, ours: this.#state.positions[m.symbol]?.quantity ?? 0n, theirs: held[m.symbol]?.quantity ?? 0n }))
      .filter((p) => p.ours !== p.theirs);
    if (differ.length === 0) return;
    this.#emit({ kind: 'positions.mismatch', positions: differ, at: now });
    const sides = differ.map((p) => `${p.symbol} ours ${fixedToString(p.ours)}, the account's ${fixedToString(p.theirs)}`).join('; ');
    this.#setMode('halted', `positions differ from the account: ${sides}; resolve, then resume`, now);
  }

  /** An outside signal; `fallbackId` names it when it has no id (v2 signals). */
  onSignal(input: unknown, fallbackId: string, now: number): void {
    this.#state.stats.signals++;
    const verdict = parseSignal(input, { traderId: this.#args.id, symbols: this.#symbols, fallbackId, now });
    if (!verdict.ok) {
      const signalId = (input as { id?: unknown } | null)?.id;
      this.#reject(verdict.field, verdict.reason, now, typeof signalId === 'string' ? signalId : undefined);
      return;
    }
    this.#process(verdict.signal, now, false);
  }

  onCandles(candles: Candle[], now: number): void {
    for (const candle of candles) {
      if (!this.#symbols.has(candle.symbol)) continue;
      this.#state.marks[candle.symbol] = candle.close;
      if (this.#reviewing) {
        const recent = (this.#state.recent[candle.symbol] ??= []);
        recent.push(candle);
        if (recent.length > REVIEW_CANDLES) recent.shift();
      }
      if (candle.symbol in this.#state.exits) this.#advanceExit(candle.symbol, now, true);
      if (!this.#strategy) this.#chart?.add(candle, []);
      for (const bars of this.#bars) for (const bar of bars.add(candle)) this.#onBar(bar, now);
    }
  }

  /** A closed bar for the strategy; its signals' ids name the bar (and its timeframe, when it is not the trader's). */
  #onBar(bar: Candle, now: number): void {
    const strategy = this.#strategy!;
    const { signals, malformed } = strategy.onCandle(bar, this.#context);
    const ownTimeframe = bar.timeframe === this.#args.strategy!.timeframe;
    if (ownTimeframe) this.#chart?.add(bar, strategy.indicators(bar.symbol));
    if (signals.length + malformed.length === 0) return;
    const key = ownTimeframe ? `${bar.symbol}:${bar.ts}` : `${bar.symbol}:${bar.timeframe}:${bar.ts}`;
    signals.forEach((idea, i) => {
      this.#state.stats.signals++;
      this.#process(this.#fromStrategy(idea, `${key}:${i}`, bar.ts), now, false);
    });
    for (const { field, reason } of malformed) this.#reject(field, reason, now);
  }

  /** Execution reports as they came over the wire: each is checked, and one that is not a report is an `execution.invalid` event. */
  onExecutions(reports: unknown[], now: number): void {
    const valid: ExecutionReport[] = [];
    for (const input of reports) {
      const parsed = reportSchema.safeParse(input);
      if (parsed.success) {
        valid.push(parsed.data as ExecutionReport);
        continue;
      }
      const issue = parsed.error.issues[0]!;
      this.#emit({ kind: 'execution.invalid', reason: `${issue.path.join('.') || 'report'}: ${issue.message}`, at: now });
    }
    this.applyExecutions(valid, now);
  }

  /** Execution reports already known to be well formed (a backtest's engine made them). */
  applyExecutions(reports: readonly ExecutionReport[], now: number): void {
    for (const report of reports) {
      try {
        this.#apply(report, now);
      } catch (error) {
        // A report that breaks the order state machine is the exchange's error, not a reason to stop trading.
        this.#emit({ kind: 'execution.invalid', clientOrderId: report.clientOrderId, reason: (error as Error).message, at: now });
      }
    }
    this.#advanceExits(now, false);
  }

  /** The trader's periodic tick: exits whose cancels linger ask again, and exits left open try again. */
  onTick(now: number): void {
    this.#advanceExits(now, true);
  }

  /**
   * Brings live orders up to date with what the exchange says of them after a restart: fills the
   * trader never saw are applied (those it saw are skipped by cumulative quantity, as the exchange
   * lists every fill in order), final states are taken over, and an order the exchange does not know
   * never reached it: sent now if it was still new and may be (`#mayResend`), through the reviewer
   * first when the trader reviews, else rejected if new, cancelled if it had been accepted.
   */
  onReconciled(states: unknown[], now: number): void {
    for (const input of states) {
      const parsed = orderStateSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        this.#emit({ kind: 'execution.invalid', reason: `reconciled.${issue.path.join('.')}: ${issue.message}`, at: now });
        continue;
      }
      const state = parsed.data as ExchangeOrderState;
      const order = own(this.#state.orders, state.clientOrderId);
      if (!order) continue;
      try {
        this.#emit({ kind: 'reconciled', clientOrderId: order.clientOrderId, outcome: this.#reconcile(order, state, now), at: now });
      } catch (error) {
        this.#emit({ kind: 'execution.invalid', clientOrderId: order.clientOrderId, reason: (error as Error).message, at: now });
      }
    }
    this.#advanceExits(now, false);
  }

  /** The reviewer's decision on a held order; one that is no longer waiting (decided, or gone at a restart) is ignored. */
  onVerdict(verdict: ReviewDecision, now: number): void {
    const order = own(this.#state.orders, verdict.clientOrderId);
    if (!order?.awaitingReview) return;
    this.#emit({ kind: 'review', ...verdict, signalId: order.signalId, at: now });
    // An approval that comes after a halt must not trade: the halt came later and wins.
    const halted = this.#state.mode === 'halted';
    if (verdict.approved && !halted) {
      this.#send(order);
      return;
    }
    this.#refuse(order, halted ? `trader is halted (${this.#state.modeReason})` : `review: ${verdict.reason}`, now);
  }

  /** Applies a risk manager intervention; `ref` makes the ids of the closing orders deterministic. */
  onIntervention(intervention: Intervention, ref: string, now: number): { cancel: boolean } {
    const { action, reason } = intervention;
    if (action === 'resume') {
      this.#setMode('active', reason, now);
      return { cancel: false };
    }
    if (action === 'lift-reduce-only') {
      if (this.#state.mode === 'reduce-only') this.#setMode('active', reason, now);
      return { cancel: false };
    }
    if (action === 'reduce-only') {
      if (this.#state.mode === 'active') this.#setMode('reduce-only', reason, now);
      return { cancel: false };
    }
    if (action === 'close-positions' || action === 'emergency-stop') {
      // An emergency stop flattens every symbol with a position or a live order; a close, the positions it names.
      const everything = action === 'emergency-stop';
      const symbols = new Set(Object.values(this.#state.positions).filter((p) => p.quantity !== 0n).map((p) => p.symbol));
      if (everything) for (const order of Object.values(this.#state.orders)) symbols.add(order.symbol);
      for (const symbol of symbols) {
        if (intervention.symbols && !intervention.symbols.includes(symbol)) continue;
        this.#process({ id: `risk:${ref}:${symbol}`, strategy: 'risk', symbol, action: 'CLOSE', ts: now, reason }, now, true);
      }
      // The exits cancel every live order already: no cancel of the whole account is needed.
      if (everything) this.#setMode('halted', reason, now);
      return { cancel: false };
    }
    this.#setMode('halted', reason, now);
    for (const order of Object.values(this.#state.orders)) if (order.awaitingReview) this.#refuse(order, `trader is halted (${reason})`, now);
    return { cancel: true };
  }

  /**
   * What `status` requests get: the state without the dedupe window, plus equity and unrealized P&L.
   * A copy: a reply leaves the worker at the next commit, after the messages handled in the meantime,
   * and the state it was computed from must not have moved on under it (a candle's mark beside the
   * unrealized P&L of the mark before).
   */
  status(): TraderStatus {
    const { positions, balances, orders, marks, mode, modeReason, stats, exits, unclosed } = this.#state;
    const live = structuredClone({ positions, balances, orders, marks, stats, exits, unclosed });
    const margins: Record<string, PositionMargin> = {};
    for (const p of Object.values(positions)) {
      const market = this.#markets.get(p.symbol);
      if (market?.swap && p.quantity !== 0n) margins[p.symbol] = this.#positionMargin(market, p, marks[p.symbol] ?? p.avgEntry);
    }
    const equity = this.equity();
    const { day } = this.#state;
    return { type: 'traderStatus', traderId: this.#args.id, ...live, mode, modeReason, equity, unrealized: this.unrealized(), margins, ...(day.date !== '' ? { dayPnl: equity - day.startEquity } : {}) };
  }

  exposure(now: number): ExposureReport {
    const equity = this.equity();
    // The date is formatted once a day, not on every report: a backtest reports on every candle.
    if (now < this.#dayStart || now >= this.#dayStart + DAY_MS) {
      this.#dayStart = now - (now % DAY_MS);
      const date = new Date(now).toISOString().slice(0, 10);
      if (this.#state.day.date !== date) this.#state.day = { date, startEquity: equity };
    }
    const positions = Object.values(this.#state.positions)
      .filter((p) => p.quantity !== 0n)
      .map((p) => {
        const mark = this.#state.marks[p.symbol] ?? p.avgEntry;
        const market = this.#markets.get(p.symbol);
        const out: ExposureReport['positions'][number] = { symbol: p.symbol, quantity: p.quantity, avgEntry: p.avgEntry, mark };
        if (market?.swap) out.marginRatio = this.#positionMargin(market, p, mark).marginRatio;
        return out;
      });
    const report: ExposureReport = { type: 'exposure', traderId: this.#args.id, at: now, equity, dayPnl: equity - this.#state.day.startEquity, positions };
    if (positions.some((p) => p.marginRatio !== undefined)) report.marginRatio = this.#marginRatio();
    return report;
  }

  /** Maintenance of every perpetual position over the wallet (their quote balances) plus their unrealized P&L; ONE when that is gone. */
  #marginRatio(): Fixed {
    let maintenance = 0n;
    let balance = 0n;
    const quotes = new Set<string>();
    for (const p of Object.values(this.#state.positions)) {
      const market = this.#markets.get(p.symbol);
      if (!market?.swap || p.quantity === 0n) continue;
      const mark = this.#state.marks[p.symbol] ?? p.avgEntry;
      maintenance += maintenanceMargin(p.quantity, mark, market.swap.maintenanceMargin);
      balance += unrealizedPnl(p, mark);
      quotes.add(market.quote);
    }
    for (const quote of quotes) balance += this.#state.balances[quote] ?? 0n;
    return ratioOf(maintenance, balance);
  }

  /** Quote balance plus every base balance at its mark, plus every swap position's unrealized P&L. */
  equity(): Fixed {
    let equity = 0n;
    for (const market of this.#markets.values()) {
      if (market.swap) {
        const position = this.#state.positions[market.symbol];
        if (position) equity += unrealizedPnl(position, this.#state.marks[market.symbol] ?? position.avgEntry);
        continue;
      }
      const held = this.#state.balances[market.base] ?? 0n;
      if (held === 0n) continue;
      const mark = this.#state.marks[market.symbol];
      if (mark !== undefined) equity += mul(held, mark);
    }
    for (const quote of this.#quotes) equity += this.#state.balances[quote] ?? 0n;
    return equity;
  }

  #leverage(symbol: string): number {
    return this.#args.leverage?.[symbol] ?? 1;
  }

  /** A swap position's margin, collateral, liquidation price and margin ratio at `mark`. */
  #positionMargin(market: Market, position: Pick<Position, 'symbol' | 'quantity' | 'avgEntry'>, mark: Fixed): PositionMargin {
    const leverage = this.#leverage(position.symbol);
    const mode = this.#args.marginMode ?? 'isolated';
    const margin = initialMargin(position.quantity, position.avgEntry, leverage);
    let collateral = margin;
    if (mode === 'cross') {
      collateral = this.#state.balances[market.quote] ?? 0n;
      for (const other of Object.values(this.#state.positions)) {
        const its = this.#markets.get(other.symbol);
        if (other.symbol !== position.symbol && its?.swap && its.quote === market.quote) collateral -= initialMargin(other.quantity, other.avgEntry, this.#leverage(other.symbol));
      }
    }
    const rate = market.swap!.maintenanceMargin;
    const out: PositionMargin = { side: position.quantity > 0n ? 'long' : 'short', leverage, mode, margin, collateral, marginRatio: marginRatio(position.quantity, position.avgEntry, collateral, mark, rate) };
    const liquidation = liquidationPrice(position.quantity, position.avgEntry, collateral, rate);
    if (liquidation !== undefined) out.liquidationPrice = liquidation;
    return out;
  }

  /**
   * What an order of `side` and `quantity` at `price` on a swap would leave: the notional of every swap
   * position (the open orders' included, `promised`) over equity, and how far from the price the
   * order's position would be liquidated once filled.
   */
  #marginAfter(market: Market, side: Side, quantity: Fixed, price: Fixed, promised: Fixed): MarginAfter {
    const { positions, marks } = this.#state;
    let notional = mul(abs(promised + (side === 'buy' ? quantity : -quantity)), price);
    for (const p of Object.values(positions)) {
      if (p.symbol !== market.symbol && this.#markets.get(p.symbol)?.swap) notional += mul(abs(p.quantity), marks[p.symbol] ?? p.avgEntry);
    }
    const equity = this.equity();
    const after: MarginAfter = { leverage: equity > 0n ? div(notional, equity) : notional === 0n ? 0n : MAX_LEVERAGE_SEEN };
    const filled = { ...(positions[market.symbol] ?? emptyPosition(market.symbol)) };
    applyFillToPosition(filled, side, quantity, price, 0n, 0);
    const liquidation = filled.quantity === 0n ? undefined : this.#positionMargin(market, filled, price).liquidationPrice;
    if (liquidation !== undefined) after.liquidationDistance = div(abs(price - liquidation), price);
    return after;
  }

  unrealized(): Fixed {
    let total = 0n;
    for (const p of Object.values(this.#state.positions)) total += unrealizedPnl(p, this.#state.marks[p.symbol] ?? p.avgEntry);
    return total;
  }

  /** Takes what the message in hand produced: events to report, orders to send and orders to review. */
  drain(): { events: TraderEvent[]; cancels: string[]; orders: OrderRequest[]; reviews: HeldOrder[] } {
    if (this.#touched.size > 0) {
      if (this.#recording) for (const order of this.#touched.values()) this.#events.push({ kind: 'order', order: { ...order } });
      this.#touched.clear();
    }
    // Most candles produce nothing: no new arrays for them (a backtest drains after every candle).
    if (this.#events.length + this.#cancels.length + this.#outgoing.length + this.#reviews.length === 0) return NOTHING;
    const out = { events: this.#events, cancels: this.#cancels, orders: this.#outgoing, reviews: this.#reviews };
    this.#events = [];
    this.#cancels = [];
    this.#outgoing = [];
    this.#reviews = [];
    return out;
  }

  /** A signal that is not one, from outside or from the strategy: counted by field and reported. */
  #reject(field: string, reason: string, now: number, signalId?: string): void {
    const stats = this.#state.stats;
    stats.rejected++;
    stats.rejectedBy[field] = (stats.rejectedBy[field] ?? 0) + 1;
    this.#emit({ kind: 'signal.rejected', ...(signalId !== undefined ? { signalId } : {}), field, reason, at: now });
  }

  #fromStrategy(idea: StrategySignal, key: string, ts: number): Signal {
    const strategy = this.#args.strategy!;
    const signal: Signal = { id: `${strategy.name}:${key}`, strategy: strategy.name, symbol: idea.symbol, action: idea.action, ts, reason: idea.reason };
    if (idea.price !== undefined) signal.price = idea.price;
    if (idea.quantity !== undefined) signal.quantity = idea.quantity;
    return signal;
  }

  /** The pipeline after validation. `forced` orders (risk closes) pass a halted mode. */
  #process(signal: Signal, now: number, forced: boolean): void {
    const state = this.#state;
    const key = idKey(signal.id);
    if (this.#seen.has(key)) {
      state.stats.duplicates++;
      this.#emit({ kind: 'signal.duplicate', signalId: signal.id, at: now });
      return;
    }
    this.#seen.add(key);
    if (signal.action === 'CLOSE') return this.#startExit(signal, now, forced);
    if (signal.symbol in state.exits) return this.#skip(signal, `an exit of ${signal.symbol} is under way`, now);
    const market = this.#markets.get(signal.symbol)!;
    const price = signal.price ?? state.marks[signal.symbol];
    if (price === undefined) return this.#skip(signal, 'no market price yet for a market order', now);
    const position = state.positions[signal.symbol]?.quantity ?? 0n;
    const pending = state.pending[signal.symbol];
    const shorts = market.swap !== undefined && this.#args.allowShort === true;
    const sizing = sizeOrder(signal, market, { position, selling: pending?.sell ?? 0n }, price, this.#args.orderNotional, shorts);
    if (!sizing.ok) return this.#skip(signal, sizing.reason, now);
    const promised = position + (pending ? pending.buy - pending.sell : 0n);
    const problem =
      sizeProblem(market, sizing.quantity, price) ??
      preTradeCheck(
        { symbol: signal.symbol, side: sizing.side, quantity: sizing.quantity, price },
        this.#args.limits,
        { mode: state.mode, position: promised, openOrders: this.#live, rate: state.rate, now },
      ) ??
      (market.swap && marginCheck(this.#marginAfter(market, sizing.side, sizing.quantity, price, promised), this.#args.limits));
    if (problem) return this.#skip(signal, problem, now);
    const newSymbol = !(signal.symbol in state.positions);
    // A long-only swap trader's SELL must never open a short, whatever fills first.
    const reduceOnly = state.mode === 'reduce-only' || (market.swap !== undefined && !shorts && sizing.side === 'sell');
    const order = this.#open(signal, sizing.side, sizing.quantity, reduceOnly, now);
    const because = this.#reviewing ? this.#reviewRules(signal, mul(order.quantity, price), newSymbol) : [];
    const sized: SizedOrder = { side: order.side, quantity: order.quantity, review: because.length > 0 };
    if (sizing.note !== undefined) sized.note = sizing.note;
    this.#emit({ kind: 'signal.accepted', ...asked(signal), clientOrderId: order.clientOrderId, sized, at: now });
    if (because.length > 0) {
      order.awaitingReview = true;
      this.#reviews.push({ order, strategy: signal.strategy, because });
      return;
    }
    this.#send(order);
  }

  /** A new live order for `signal`, counted and reported; the caller sends it or holds it for review. */
  #open(signal: Pick<Signal, 'id' | 'symbol' | 'price' | 'reason'>, side: Side, quantity: Fixed, reduceOnly: boolean, now: number): Order {
    const order: Order = {
      clientOrderId: clientOrderId(this.#args.id, signal.id),
      traderId: this.#args.id,
      signalId: signal.id,
      symbol: signal.symbol,
      side,
      type: signal.price === undefined ? 'market' : 'limit',
      quantity,
      reduceOnly,
      status: 'new',
      filled: 0n,
      filledNotional: 0n,
      fees: 0n,
      createdAt: now,
      updatedAt: now,
    };
    if (signal.price !== undefined) order.price = signal.price;
    if (signal.reason !== undefined) order.reason = signal.reason;
    this.#state.orders[order.clientOrderId] = order;
    this.#live++;
    this.#pend(order, quantity);
    this.#state.stats.orders++;
    this.#touched.set(order.clientOrderId, order);
    return order;
  }

  /**
   * Starts flattening a symbol: orders held for review are dropped, every other live order of the
   * symbol is cancelled, and the closing order follows once none is left (see `Exit`). Exits skip the
   * pre-trade limits and the review: a stop that waits or is refused is worse than none. Only a halt
   * stops a strategy's or an outside CLOSE; the risk manager's and the operator's pass it.
   */
  #startExit(signal: Signal, now: number, forced: boolean): void {
    const state = this.#state;
    const { symbol } = signal;
    if (!forced && state.mode === 'halted') return this.#skip(signal, 'trader is halted', now);
    if (symbol in state.exits) return this.#skip(signal, `an exit of ${symbol} is already under way`, now);
    const live = Object.values(state.orders).filter((o) => o.symbol === symbol);
    const position = state.positions[symbol]?.quantity ?? 0n;
    if (position === 0n && live.length === 0) return this.#skip(signal, 'no position to close', now);
    const reason = signal.reason ?? `${signal.strategy}: CLOSE ${symbol}`;
    for (const order of live) if (order.awaitingReview) this.#refuse(order, `superseded by an exit: ${reason}`, now);
    const cancelling = live.filter((o) => !o.awaitingReview).map((o) => o.clientOrderId);
    this.#cancels.push(...cancelling);
    delete state.unclosed[symbol];
    state.exits[symbol] = { signalId: signal.id, reason, askedAt: now, attempts: 0 };
    const sized: SizedOrder = { side: position < 0n ? 'buy' : 'sell', quantity: position < 0n ? -position : position, review: false };
    if (cancelling.length > 0) sized.note = `closes once ${cancelling.length} live order(s) of ${symbol} are cancelled`;
    this.#emit({ kind: 'signal.accepted', ...asked(signal), clientOrderId: clientOrderId(this.#args.id, signal.id), sized, at: now });
    this.#advanceExit(symbol, now, false);
  }

  #advanceExits(now: number, retry: boolean): void {
    for (const symbol of Object.keys(this.#state.exits)) this.#advanceExit(symbol, now, retry);
  }

  /**
   * Moves an exit on: it waits while any live order of its symbol remains (asking again for cancels
   * that linger), then sends a closing order for the whole position. A closing order that left some
   * of it (a thin book, a rejection) is followed by another on the next candle or tick (`retry`), up to
   * `EXIT_ATTEMPTS`; what cannot be closed is reported in `unclosed` with the reason.
   */
  #advanceExit(symbol: string, now: number, retry: boolean): void {
    const state = this.#state;
    const exit = state.exits[symbol]!;
    const live = Object.values(state.orders).filter((o) => o.symbol === symbol);
    if (live.length > 0) {
      const lingering = live.filter((o) => o.clientOrderId !== exit.order).map((o) => o.clientOrderId);
      if (retry && lingering.length > 0 && now - exit.askedAt >= EXIT_CANCEL_RETRY_MS) {
        this.#cancels.push(...lingering);
        exit.askedAt = now;
      }
      return;
    }
    const position = state.positions[symbol]?.quantity ?? 0n;
    if (position === 0n) return this.#endExit(symbol, now);
    const market = this.#markets.get(symbol)!;
    const sizing = sizeExit(market, position, state.marks[symbol] ?? state.positions[symbol]!.avgEntry);
    if (!sizing.ok) return this.#endExit(symbol, now, sizing.reason);
    if (exit.attempts >= EXIT_ATTEMPTS) return this.#endExit(symbol, now, `${exit.attempts} closing orders left it open; the last: ${exit.lastReason ?? 'unknown'}`);
    if (exit.attempts > 0 && !retry) return;
    exit.attempts++;
    const id = exit.attempts === 1 ? exit.signalId : `${exit.signalId}#${exit.attempts}`;
    const order = this.#open({ id, symbol, reason: exit.reason }, sizing.side, sizing.quantity, true, now);
    exit.order = order.clientOrderId;
    this.#send(order);
  }

  /** Ends an exit: flat, or with the reason the rest of the position could not be closed. */
  #endExit(symbol: string, now: number, failure?: string): void {
    const exit = this.#state.exits[symbol]!;
    delete this.#state.exits[symbol];
    const quantity = this.#state.positions[symbol]?.quantity ?? 0n;
    if (failure !== undefined) this.#state.unclosed[symbol] = { quantity, reason: failure, at: now };
    this.#emit({ kind: 'exit', symbol, signalId: exit.signalId, outcome: failure === undefined ? 'flat' : 'unclosed', quantity, reason: failure ?? exit.reason, at: now });
  }

  /** Rejects an order the exchange never saw (held for review). */
  #refuse(order: Order, reason: string, now: number): void {
    order.reason = reason;
    this.#finish(order, 'rejected', now);
    this.#state.stats.ordersRejected++;
  }

  /** The rules of the review policy that ask for this order's review; none, and it goes straight out. */
  #reviewRules(signal: Signal, notional: Fixed, newSymbol: boolean): string[] {
    const review = this.#args.review;
    const because: string[] = [];
    if (review.all) because.push('all orders');
    if (review.above !== undefined && notional >= review.above) because.push(`notional ${fixedToString(notional)} >= ${fixedToString(review.above)}`);
    if (review.newSymbols && newSymbol) because.push(`new symbol ${signal.symbol}`);
    if (review.afterLosses > 0 && this.#state.losses >= review.afterLosses) because.push(`after ${this.#state.losses} losing closes in a row`);
    // The signal id picks, not chance: a redelivered signal is sampled the same way.
    if (because.length === 0 && review.sample > 0 && idKey(signal.id) / 2 ** 53 < review.sample) because.push(`sampled (${review.sample})`);
    return because;
  }

  #send(order: Order): void {
    delete order.awaitingReview;
    const request: OrderRequest = {
      clientOrderId: order.clientOrderId,
      account: this.#args.account,
      replyTo: this.#self,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      ts: order.createdAt,
    };
    if (order.price !== undefined) request.price = order.price;
    if (this.#markets.get(order.symbol)!.swap) {
      request.leverage = this.#leverage(order.symbol);
      request.marginMode = this.#args.marginMode ?? 'isolated';
      if (order.reduceOnly) request.reduceOnly = true;
    }
    this.#outgoing.push(request);
  }

  #skip(signal: Signal, reason: string, now: number): void {
    this.#state.stats.skipped++;
    this.#emit({ kind: 'signal.skipped', ...asked(signal), reason, at: now });
  }

  #apply(report: ExecutionReport, now: number): void {
    if (report.kind === 'liquidation') return this.#liquidated(report, now);
    if (report.kind === 'funding') return this.#funded(report, now);
    const order = own(this.#state.orders, report.clientOrderId);
    if (!order) throw new Error(`no live order ${report.clientOrderId}`);
    switch (report.kind) {
      case 'accepted':
        transition(order, 'open', now);
        if (report.exchangeOrderId !== undefined) order.exchangeOrderId = report.exchangeOrderId;
        this.#touched.set(order.clientOrderId, order);
        return;
      case 'fill':
        this.#fill(order, report, now);
        return;
      case 'duplicate':
        // The exchange already has this order: the signal was a duplicate older than the dedupe window.
        this.#state.stats.duplicates++;
        this.#state.stats.orders--;
        this.#forget(order);
        this.#emit({ kind: 'signal.duplicate', signalId: order.signalId, at: now });
        return;
      case 'fenced':
        // It never left this node, which no longer holds the trader: the order stays new for the next owner to send (see `onReconciled`).
        this.#emit({ kind: 'order.fenced', clientOrderId: order.clientOrderId, reason: report.reason ?? 'fenced', at: now });
        return;
      default:
        if (report.reason !== undefined) order.reason = report.reason;
        if (report.kind === 'rejected') this.#state.stats.ordersRejected++;
        this.#finish(order, report.kind, now);
    }
  }

  /**
   * The exchange liquidated a swap position: it is booked as a filled reduce-only order of the
   * exchange's (`liquidation-<trade id>`), so its trade, P&L and fee are kept like any other, and
   * reported as a `liquidation` event. The exchange cancelled the symbol's orders before it.
   */
  #liquidated(report: ExecutionReport, now: number): void {
    const { fill, side } = report;
    if (!fill || !side) throw new Error(`liquidation of ${report.symbol} without its fill or side`);
    if (!this.#markets.get(report.symbol)?.swap) throw new Error(`liquidation of ${report.symbol}, which is no swap of this trader`);
    // A liquidation closes what is held: one that would open or grow a position is not this trader's.
    const held = this.#state.positions[report.symbol]?.quantity ?? 0n;
    if (held === 0n || held > 0n === (side === 'buy') || fill.quantity > abs(held)) {
      throw new Error(`liquidation of ${fixedToString(fill.quantity)} ${report.symbol} (${side}) does not close the position held, ${fixedToString(held)}`);
    }
    const id = liquidationOrderId(fill.tradeId);
    const order: Order = {
      clientOrderId: id,
      traderId: this.#args.id,
      signalId: `liquidation:${report.symbol}:${fill.tradeId}`,
      symbol: report.symbol,
      side,
      type: 'market',
      quantity: fill.quantity,
      reduceOnly: true,
      status: 'open',
      filled: 0n,
      filledNotional: 0n,
      fees: 0n,
      reason: report.reason ?? 'liquidated by the exchange',
      createdAt: now,
      updatedAt: now,
    };
    this.#state.orders[id] = order;
    this.#live++;
    this.#pend(order, fill.quantity);
    this.#emit({ kind: 'liquidation', symbol: report.symbol, side, quantity: fill.quantity, price: fill.price, reason: order.reason!, at: now });
    this.#fill(order, { ...report, kind: 'fill', clientOrderId: id }, now);
  }

  /** A funding payment on a swap position: booked to the ledger and added up on the position. */
  #funded(report: ExecutionReport, now: number): void {
    const market = this.#markets.get(report.symbol);
    if (!report.funding) throw new Error(`funding of ${report.symbol} without its payment`);
    if (!market?.swap) throw new Error(`funding of ${report.symbol}, which is no swap of this trader`);
    const { amount, rate } = report.funding;
    const position = (this.#state.positions[report.symbol] ??= emptyPosition(report.symbol));
    // Asked again from an earlier time after a restart, the exchange lists what is booked already.
    if (position.fundedTo !== undefined && report.ts <= position.fundedTo) return;
    position.fundedTo = report.ts;
    position.funding = (position.funding ?? 0n) + amount;
    const entries = [move(this.#state.balances, market.quote, amount, 'funding', `funding:${report.symbol}:${report.ts}`, now)];
    this.#emit({ kind: 'funding', symbol: report.symbol, amount, ...(rate !== undefined ? { rate } : {}), position: { ...position }, at: now });
    this.#emit({ kind: 'ledger', entries, equity: this.equity() });
  }

  #reconcile(order: Order, state: ExchangeOrderState, now: number): string {
    if (!state.known) return this.#unknown(order, now);
    if (state.exchangeOrderId !== undefined) order.exchangeOrderId = state.exchangeOrderId;
    if (order.status === 'new' && state.status !== 'rejected') transition(order, 'open', now);
    let covered = 0n;
    let applied = 0;
    for (const fill of state.fills) {
      covered += fill.quantity;
      if (covered <= order.filled) continue;
      this.#fill(order, { kind: 'fill', clientOrderId: order.clientOrderId, account: this.#args.account, symbol: order.symbol, fill, ts: now }, now);
      applied++;
    }
    const status = state.status ?? 'open';
    if ((status === 'cancelled' || status === 'expired' || status === 'rejected') && !isTerminal(order.status)) {
      if (state.reason !== undefined) order.reason = state.reason;
      if (status === 'rejected') this.#state.stats.ordersRejected++;
      this.#finish(order, status, now);
    }
    this.#touched.set(order.clientOrderId, order);
    return `${applied} missed fill(s) applied; ${order.status}`;
  }

  /** An order the exchange does not know at reconciliation never reached it: sent now when it may be (`#mayResend`), else ended. */
  #unknown(order: Order, now: number): string {
    if (order.status === 'new' && this.#mayResend(order, now)) {
      if (!this.#reviewing) {
        this.#send(order);
        return 'not on the exchange: sent again';
      }
      // Whether it was held for review is not stored: an order that may have been is never sent unreviewed.
      order.awaitingReview = true;
      this.#reviews.push({ order, strategy: order.strategy ?? 'unknown', because: ['never reached the exchange before the trader restarted'] });
      return 'not on the exchange: held for review again';
    }
    order.reason = 'not found on the exchange at reconciliation';
    if (order.status === 'new') this.#state.stats.ordersRejected++;
    this.#finish(order, order.status === 'new' ? 'rejected' : 'cancelled', now);
    return `not on the exchange: ${order.status}`;
  }

  /** Whether a new order the exchange does not know may go at reconciliation: it is young enough (`RESEND_WITHIN_MS`) and the trader's mode still lets it trade. */
  #mayResend(order: Order, now: number): boolean {
    const { mode } = this.#state;
    return now - order.createdAt <= RESEND_WITHIN_MS && mode !== 'halted' && (mode !== 'reduce-only' || order.reduceOnly);
  }

  #fill(order: Order, report: ExecutionReport, now: number): void {
    if (!report.fill) throw new Error(`fill report for ${order.clientOrderId} has no fill`);
    const { quantity, price, fee } = report.fill;
    const market = this.#markets.get(order.symbol)!;
    applyFill(order, quantity, mul(quantity, price), fee, now);
    const state = this.#state;
    this.#pend(order, -quantity);
    const position = (state.positions[order.symbol] ??= emptyPosition(order.symbol));
    const closing = order.side === 'buy' ? position.quantity < 0n : position.quantity > 0n;
    const realized = position.realizedPnl;
    applyFillToPosition(position, order.side, quantity, price, fee, now);
    if (position.quantity === 0n) delete state.unclosed[order.symbol];
    if (closing) state.losses = position.realizedPnl < realized ? state.losses + 1 : 0;
    const entries = market.swap
      ? bookSwapFill(state.balances, { quote: market.quote, realized: position.realizedPnl - realized + fee, fee, ref: report.fill.tradeId, at: now })
      : bookFill(state.balances, { base: market.base, quote: market.quote, side: order.side, quantity, price, fee, ref: report.fill.tradeId, at: now });
    state.stats.fills++;
    this.#emit({ kind: 'fill', clientOrderId: order.clientOrderId, signalId: order.signalId, symbol: order.symbol, side: order.side, fill: report.fill, position: { ...position }, at: now });
    this.#emit({ kind: 'ledger', entries, equity: this.equity() });
    if (isTerminal(order.status)) this.#forget(order);
    this.#touched.set(order.clientOrderId, order);
  }

  #finish(order: Order, status: 'cancelled' | 'rejected' | 'expired', now: number): void {
    transition(order, status, now);
    this.#forget(order);
    this.#touched.set(order.clientOrderId, order);
  }

  /** Drops a final order from the live set and what it still added to the position. */
  #forget(order: Order): void {
    delete this.#state.orders[order.clientOrderId];
    this.#live--;
    this.#pend(order, order.filled - order.quantity);
    const exit = this.#state.exits[order.symbol];
    if (exit?.order === order.clientOrderId) {
      delete exit.order;
      if (order.status !== 'filled') exit.lastReason = `${order.status}: ${order.reason ?? 'no reason given'}`;
    }
  }

  /** Adds `quantity` (negative to take away) to what the live orders of `order`'s symbol would still buy or sell. */
  #pend(order: Order, quantity: Fixed): void {
    const pending = (this.#state.pending[order.symbol] ??= { buy: 0n, sell: 0n });
    pending[order.side] += quantity;
  }

  #setMode(mode: TraderMode, reason: string, now: number): void {
    if (this.#state.mode === mode) return;
    this.#state.mode = mode;
    this.#state.modeReason = reason;
    this.#emit({ kind: 'mode', mode, reason, at: now });
  }
}

/** What a signal asked for, as its outcome event reports it. */
function asked(signal: Signal): SignalAsked {
  const out: SignalAsked = { signalId: signal.id, strategy: signal.strategy, symbol: signal.symbol, action: signal.action, orderType: signal.price === undefined ? 'market' : 'limit' };
  if (signal.quantity !== undefined) out.quantity = signal.quantity;
  if (signal.price !== undefined) out.price = signal.price;
  return out;
}

/** What live orders would still buy and sell of each symbol. */
function pendingOf(orders: readonly Order[]): Record<string, Pending> {
  const pending: Record<string, Pending> = {};
  for (const o of orders) (pending[o.symbol] ??= { buy: 0n, sell: 0n })[o.side] += o.quantity - o.filled;
  return pending;
}
