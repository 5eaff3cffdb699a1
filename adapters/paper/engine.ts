import type { Address } from '../../runtime/message.js';
import { orderRequestSchema, type ExecutionReport, type OrderRequest } from '../../actors/trading/exchange-protocol.js';
import { fixedToString, min, mul, ONE, roundToStep, type Fixed } from '../../actors/trading/fixed.js';
import { SeenIds, idKey, type SeenIdsSnapshot } from '../../actors/trading/ids.js';
import { sizeProblem, type Candle } from '../../actors/trading/market.js';
import { Accounts, type AccountBalances } from './accounts.js';
import { SimulatedBook, type Level } from './book.js';
import type { PaperMarket } from './markets.js';
import { PriceWalk, type WalkSnapshot } from './price-walk.js';
import { CandleReplay } from './replay.js';
import type { CandleSeries } from '../market-data/candle-series.js';

/** One basis point as a fixed-point fraction. */
const BPS = ONE / 10_000n;

/** What a candle that fills nothing reports: one frozen array, not a new one per candle. */
const NO_REPORTS: Routed[] = Object.freeze([]) as unknown as Routed[];

/** A limit order resting in the paper book, with what it still has locked. */
interface RestingOrder {
  request: OrderRequest;
  exchangeOrderId: string;
  remaining: Fixed;
  /** Quote (buy) or base (sell) still locked for the rest of the order. */
  reserved: Fixed;
}

/** Where prices come from: a seeded random walk, or recorded candles. */
interface MarketSource {
  last(symbol: string): Fixed | undefined;
  next(timeframe: string): Candle[];
}

export interface PaperSnapshot {
  walk: WalkSnapshot | { index: number };
  accounts: Record<string, AccountBalances>;
  resting: RestingOrder[];
  orderSeq: number;
  tradeSeq: number;
  seen: SeenIdsSnapshot;
}

export interface PaperOptions {
  markets: readonly PaperMarket[];
  seed: number;
  timeframe: string;
  timeframeMs: number;
  startTs: number;
  /** Client order ids remembered per exchange for the duplicate check. */
  dedupeWindow: number;
  /** Recorded candles per symbol to replay instead of the random walk. */
  replay?: Record<string, CandleSeries>;
  /** Starts every exchange order id and trade id, so that ids of different runs never collide. */
  idPrefix?: string;
  /**
   * How orders fill. `book` (live paper): at once against the simulated book around the last close.
   * `next-bar` (backtest, and replay when asked): nothing fills at placement; on the next candle a
   * market order fills whole at its open, moved against the order by `slippageBps`, and a limit
   * order fills at its price once a candle trades through it (at the open when the candle opens past it).
   */
  fills?: 'book' | 'next-bar';
  /** Basis points a `next-bar` market order pays beyond the open. Default 0. */
  slippageBps?: number;
}

export interface Routed {
  replyTo: Address;
  report: ExecutionReport;
}

/**
 * The paper exchange's matching engine: accounts, a simulated book per market, market and limit
 * orders with partial fills, fees and slippage, and the duplicate check on client order ids.
 * Synchronous and deterministic: the same seed and the same calls give the same reports.
 */
export class PaperEngine {
  readonly #options: PaperOptions;
  readonly #markets = new Map<string, PaperMarket>();
  readonly #books = new Map<string, SimulatedBook>();
  readonly #walk: MarketSource & { snapshot(): PaperSnapshot['walk'] };
  readonly #accounts: Accounts;
  readonly #resting: RestingOrder[];
  readonly #seen: SeenIds;
  #orderSeq: number;
  #tradeSeq: number;

  constructor(options: PaperOptions, snapshot?: PaperSnapshot) {
    this.#options = options;
    this.#walk = options.replay
      ? new CandleReplay(options.replay, snapshot?.walk as { index: number } | undefined)
      : new PriceWalk(options, snapshot?.walk as WalkSnapshot | undefined);
    for (const market of options.markets) {
      this.#markets.set(market.symbol, market);
      this.#books.set(market.symbol, new SimulatedBook(market, this.#walk.last(market.symbol)!));
    }
    this.#accounts = new Accounts(snapshot?.accounts);
    this.#resting = snapshot?.resting ?? [];
    this.#seen = new SeenIds(options.dedupeWindow, snapshot?.seen);
    this.#orderSeq = snapshot?.orderSeq ?? 0;
    this.#tradeSeq = snapshot?.tradeSeq ?? 0;
  }

  get markets(): readonly PaperMarket[] {
    return this.#options.markets;
  }

  /** Whether a replay has handed out its last candle; undefined for the random walk, which never ends. */
  get replayEnded(): boolean | undefined {
    return this.#walk instanceof CandleReplay ? this.#walk.ended : undefined;
  }

  lastPrice(symbol: string): Fixed | undefined {
    return this.#walk.last(symbol);
  }

  deposit(account: string, balances: Record<string, Fixed>): void {
    for (const [asset, amount] of Object.entries(balances)) this.#accounts.deposit(account, asset, amount);
  }

  balances(account: string): AccountBalances {
    return this.#accounts.balances(account);
  }

  openOrders(account: string): OrderRequest[] {
    return this.#resting.filter((o) => o.request.account === account).map((o) => o.request);
  }

  /** Places one order as it came over the wire; returns its reports in order (accepted, fills, expired) or a rejection. */
  place(input: unknown, now: number): ExecutionReport[] {
    const parsed = orderRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const raw = (typeof input === 'object' && input !== null ? input : {}) as Partial<OrderRequest>;
      return [reject({ clientOrderId: String(raw.clientOrderId ?? ''), account: String(raw.account ?? ''), symbol: String(raw.symbol ?? '') }, `${issue.path.join('.') || 'order'}: ${issue.message}`, now)];
    }
    return this.submit(parsed.data, now);
  }

  /** Places an order already known to be well formed (a backtest's trader made it); as `place` otherwise. */
  submit(request: OrderRequest, now: number): ExecutionReport[] {
    const problem = this.#problem(request);
    if (problem) return [reject(request, problem, now)];
    const key = idKey(`${request.account}\u0000${request.clientOrderId}`);
    if (this.#seen.has(key)) {
      return [{ kind: 'duplicate', clientOrderId: request.clientOrderId, account: request.account, symbol: request.symbol, reason: 'client order id already used', ts: now }];
    }
    const market = this.#markets.get(request.symbol)!;
    const book = this.#books.get(request.symbol)!;
    // A next-bar order is reserved at the book of now; its fill settles what the next candle costs.
    const preview = book.sweep(request.side, request.quantity, request.price, true);
    const reserve = this.#reserve(request, market, preview);
    if (this.#accounts.free(request.account, reserve.asset) < reserve.amount) {
      return [reject(request, `insufficient balance: needs ${fixedToString(reserve.amount)} ${reserve.asset}, has ${fixedToString(this.#accounts.free(request.account, reserve.asset))}`, now)];
    }
    this.#seen.add(key);
    const exchangeOrderId = `${this.#options.idPrefix ?? ''}P${++this.#orderSeq}`;
    const reports: ExecutionReport[] = [{ kind: 'accepted', clientOrderId: request.clientOrderId, exchangeOrderId, account: request.account, symbol: request.symbol, ts: now }];
    this.#accounts.lock(request.account, reserve.asset, reserve.amount);
    const order: RestingOrder = { request, exchangeOrderId, remaining: request.quantity, reserved: reserve.amount };
    if (this.#options.fills === 'next-bar') {
      this.#resting.push(order);
      return reports;
    }
    for (const level of book.sweep(request.side, request.quantity, request.price)) {
      reports.push(this.#fill(order, market, level, 'taker', now));
    }
    if (order.remaining > 0n && request.type === 'limit') {
      this.#resting.push(order);
      return reports;
    }
    this.#release(order, market);
    if (order.remaining > 0n) {
      reports.push({ ...base(order), kind: 'expired', reason: `book depth exhausted with ${fixedToString(order.remaining)} unfilled`, ts: now });
    }
    return reports;
  }

  /** Cancels resting orders of `account` (all of them when `ids` is absent). */
  cancel(account: string, ids: readonly string[] | undefined, now: number): Routed[] {
    const wanted = ids && new Set(ids);
    const out: Routed[] = [];
    for (let i = this.#resting.length - 1; i >= 0; i--) {
      const order = this.#resting[i]!;
      if (order.request.account !== account || (wanted && !wanted.has(order.request.clientOrderId))) continue;
      this.#resting.splice(i, 1);
      this.#release(order, this.#markets.get(order.request.symbol)!);
      out.unshift({ replyTo: order.request.replyTo, report: { ...base(order), kind: 'cancelled', reason: 'cancelled on request', ts: now } });
    }
    return out;
  }

  /** Moves the market one candle: new prices, a refreshed book, and fills of resting orders it crossed. */
  advance(now: number): { candles: Candle[]; reports: Routed[] } {
    const candles = this.#walk.next(this.#options.timeframe);
    for (const candle of candles) this.#books.get(candle.symbol)!.refresh(candle.close);
    if (this.#resting.length === 0) return { candles, reports: NO_REPORTS };
    const reports: Routed[] = [];
    const nextBar = this.#options.fills === 'next-bar';
    for (let i = 0; i < this.#resting.length; i++) {
      const order = this.#resting[i]!;
      const candle = candles.find((c) => c.symbol === order.request.symbol);
      if (!candle) continue;
      const market = this.#markets.get(order.request.symbol)!;
      const fill = nextBar ? this.#barFill(order, market, candle) : this.#touchFill(order, market, candle);
      if (!fill) continue;
      const report = this.#afford(order, market, fill, now) ?? this.#fill(order, market, fill, order.request.type === 'market' ? 'taker' : 'maker', now);
      reports.push({ replyTo: order.request.replyTo, report });
      if (order.remaining === 0n || report.kind === 'expired') {
        this.#release(order, market);
        this.#resting.splice(i--, 1);
      }
    }
    return { candles, reports };
  }

  /** Live paper: a resting limit fills up to one level's quantity when the candle touches its price. */
  #touchFill(order: RestingOrder, market: PaperMarket, candle: Candle): Level | undefined {
    const price = order.request.price!;
    const crossed = order.request.side === 'buy' ? candle.low <= price : candle.high >= price;
    return crossed ? { price, quantity: min(order.remaining, market.levelQuantity) } : undefined;
  }

  /** Next-bar fills: a market order at the open plus slippage; a limit once the candle trades through its price. */
  #barFill(order: RestingOrder, market: PaperMarket, candle: Candle): Level | undefined {
    const { side, type, price: limit } = order.request;
    const buy = side === 'buy';
    if (type === 'market') {
      const slip = mul(candle.open, BigInt(this.#options.slippageBps ?? 0) * BPS);
      const price = roundToStep(buy ? candle.open + slip : candle.open - slip, market.priceStep, buy ? 'up' : 'down');
      return { price, quantity: order.remaining };
    }
    if (buy ? candle.open <= limit! : candle.open >= limit!) return { price: candle.open, quantity: order.remaining };
    return (buy ? candle.low < limit! : candle.high > limit!) ? { price: limit!, quantity: order.remaining } : undefined;
  }

  /**
   * A next-bar buy was reserved at the book of its placement; the open may cost more. It takes the
   * difference from the free balance, or expires when the account cannot pay it.
   */
  #afford(order: RestingOrder, market: PaperMarket, fill: Level, now: number): ExecutionReport | undefined {
    if (order.request.side !== 'buy') return undefined;
    const cost = SimulatedBook.cost([fill], order.request.type === 'market' ? market.takerFee : market.makerFee);
    const extra = cost - order.reserved;
    if (extra <= 0n) return undefined;
    if (this.#accounts.free(order.request.account, market.quote) < extra) {
      return { ...base(order), kind: 'expired', reason: `insufficient balance at the fill: needs ${fixedToString(cost)} ${market.quote}`, ts: now };
    }
    this.#accounts.lock(order.request.account, market.quote, extra);
    order.reserved += extra;
    return undefined;
  }

  snapshot(): PaperSnapshot {
    return {
      walk: this.#walk.snapshot(),
      accounts: this.#accounts.snapshot(),
      resting: this.#resting,
      orderSeq: this.#orderSeq,
      tradeSeq: this.#tradeSeq,
      seen: this.#seen.snapshot(),
    };
  }

  #problem(request: OrderRequest): string | undefined {
    const market = this.#markets.get(request.symbol);
    if (!market) return `symbol: ${request.symbol} is not traded here`;
    if (!this.#accounts.has(request.account)) return `account: ${request.account} does not exist`;
    if (request.quantity % market.amountStep !== 0n) return `quantity: not a multiple of the lot size ${fixedToString(market.amountStep)}`;
    if (request.type === 'limit') {
      if (request.price === undefined) return 'price: a limit order needs a price';
      if (request.price % market.priceStep !== 0n) return `price: not a multiple of the tick ${fixedToString(market.priceStep)}`;
    }
    const problem = sizeProblem(market, request.quantity, request.price ?? this.#walk.last(request.symbol)!);
    return problem && `quantity: ${problem} (${fixedToString(market.minAmount)} ${market.base}, ${fixedToString(market.minNotional)} ${market.quote})`;
  }

  /** What the order locks: base for a sell; for a buy, the quote for the whole order at its limit (or at the previewed fills) plus fees. */
  #reserve(request: OrderRequest, market: PaperMarket, preview: Level[]): { asset: string; amount: Fixed } {
    if (request.side === 'sell') return { asset: market.base, amount: request.quantity };
    if (request.type === 'market') return { asset: market.quote, amount: SimulatedBook.cost(preview, market.takerFee) };
    const notional = mul(request.quantity, request.price!);
    const rate = market.takerFee > market.makerFee ? market.takerFee : market.makerFee;
    return { asset: market.quote, amount: notional + mul(notional, rate) };
  }

  /** Settles one fill from the order's reservation and reports it. */
  #fill(order: RestingOrder, market: PaperMarket, level: Level, liquidity: 'maker' | 'taker', now: number): ExecutionReport {
    const { account, side } = order.request;
    const notional = mul(level.price, level.quantity);
    const fee = mul(notional, liquidity === 'maker' ? market.makerFee : market.takerFee);
    if (side === 'buy') {
      this.#accounts.settle(account, market.quote, -(notional + fee), true);
      this.#accounts.deposit(account, market.base, level.quantity);
      order.reserved -= notional + fee;
    } else {
      this.#accounts.settle(account, market.base, -level.quantity, true);
      this.#accounts.deposit(account, market.quote, notional - fee);
      order.reserved -= level.quantity;
    }
    order.remaining -= level.quantity;
    const fill = { tradeId: `${this.#options.idPrefix ?? ''}T${++this.#tradeSeq}`, quantity: level.quantity, price: level.price, fee, feeAsset: market.quote, liquidity };
    return { kind: 'fill', clientOrderId: order.request.clientOrderId, exchangeOrderId: order.exchangeOrderId, account, symbol: order.request.symbol, fill, ts: now };
  }

  /** Gives back what the order no longer needs locked. */
  #release(order: RestingOrder, market: PaperMarket): void {
    if (order.reserved > 0n) this.#accounts.unlock(order.request.account, order.request.side === 'buy' ? market.quote : market.base, order.reserved);
    order.reserved = 0n;
  }
}

function base(order: RestingOrder): Pick<ExecutionReport, 'clientOrderId' | 'exchangeOrderId' | 'account' | 'symbol'> {
  return { clientOrderId: order.request.clientOrderId, exchangeOrderId: order.exchangeOrderId, account: order.request.account, symbol: order.request.symbol };
}

function reject(request: Pick<OrderRequest, 'clientOrderId' | 'account' | 'symbol'>, reason: string, now: number): ExecutionReport {
  return { kind: 'rejected', clientOrderId: request.clientOrderId, account: request.account, symbol: request.symbol, reason, ts: now };
}
