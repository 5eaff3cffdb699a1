import type { Address } from '../../runtime/message.js';
import { orderRequestSchema, type ExecutionReport, type OrderRequest } from '../../actors/trading/exchange-protocol.js';
import { abs, fixedToString, max, min, mul, ONE, roundToStep, type Fixed } from '../../actors/trading/fixed.js';
import { SeenIds, idKey, type SeenIdsSnapshot } from '../../actors/trading/ids.js';
import { fundingPayment, initialMargin, maintenanceMargin } from '../../actors/trading/margin.js';
import { sizeProblem, type Candle } from '../../actors/trading/market.js';
import { Accounts, type AccountBalances } from './accounts.js';
import { SimulatedBook, type Level } from './book.js';
import { fundingTimesIn, generatedFundingRate } from './funding.js';
import { PaperPositions, type PaperPosition } from './positions.js';
import type { PaperMarket } from './markets.js';
import type { PaperOpening } from './options.js';
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
  /** Quote (a spot buy, any swap order) or base (a spot sell) still locked for the rest of the order. */
  reserved: Fixed;
  /** Why the rest will not fill: a reduce-only order reached the end of its position. */
  cut?: string;
}

/** Where prices come from: a seeded random walk, or recorded candles. */
interface MarketSource {
  last(symbol: string): Fixed | undefined;
  next(timeframe: string): Candle[];
}

export interface PaperSnapshot {
  walk: WalkSnapshot | { index: number };
  accounts: Record<string, AccountBalances>;
  /** Swap positions by account and symbol; absent in a snapshot taken before swaps were simulated. */
  positions?: Record<string, Record<string, PaperPosition>>;
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
 * orders with partial fills, fees and slippage, and the duplicate check on client order ids. On a
 * linear perpetual it keeps one-way positions with their margin, refuses reduce-only orders that
 * would grow one, settles funding every 8 hours and liquidates a position whose candle reaches its
 * liquidation price. Synchronous and deterministic: the same seed and the same calls give the same reports.
 */
export class PaperEngine {
  readonly #options: PaperOptions;
  readonly #markets = new Map<string, PaperMarket>();
  readonly #books = new Map<string, SimulatedBook>();
  readonly #walk: MarketSource & { snapshot(): PaperSnapshot['walk'] };
  readonly #accounts: Accounts;
  readonly #positions: PaperPositions;
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
    this.#positions = new PaperPositions(snapshot?.positions);
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

  /**
   * Opens an account's swap position as it is held elsewhere (stored before a restart, carried from
   * v2): at its entry, with its initial margin locked from the free balance, or as much of it as the
   * balance holds (the position's margin is what was locked). A symbol not traded here is skipped, and
   * so is a second position for the same account and symbol (traders sharing a paper account): the
   * trader whose position it is not finds the difference at its start, and halts.
   */
  /**
   * Opens the account afresh as it is held elsewhere: its resting orders, positions and balances here
   * are forgotten (no reports), then it holds `balances` and `positions`. A cluster node does this when
   * a trader moves to it from another node, whose book it cannot see.
   */
  reopen(account: string, balances: Record<string, Fixed>, positions: readonly PaperOpening[]): void {
    for (let i = this.#resting.length - 1; i >= 0; i--) if (this.#resting[i]!.request.account === account) this.#resting.splice(i, 1);
    this.#accounts.remove(account);
    this.#positions.remove(account);
    this.deposit(account, balances);
    for (const position of positions) this.open(account, position);
  }

  open(account: string, opening: PaperOpening): void {
    const market = this.#markets.get(opening.symbol);
    if (!market?.swap || opening.quantity === 0n || this.#positions.get(account, opening.symbol)) return;
    const margin = min(initialMargin(opening.quantity, opening.entry, opening.leverage), max(this.#accounts.free(account, market.quote), 0n));
    this.#positions.open(account, opening.symbol, opening.quantity, opening.entry, margin, { leverage: opening.leverage, mode: opening.mode, owner: opening.owner });
    this.#accounts.lock(account, market.quote, margin);
  }

  balances(account: string): AccountBalances {
    return this.#accounts.balances(account);
  }

  /** The account's swap positions, by symbol. */
  positions(account: string): Record<string, PaperPosition> {
    return structuredClone(this.#positions.of(account));
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
      const report = this.#fill(order, market, level, 'taker', now);
      reports.push(report);
      if (report.kind !== 'fill' || order.cut !== undefined) {
        if (order.cut !== undefined) reports.push(expired(order, order.cut, now));
        this.#release(order, market);
        return reports;
      }
    }
    if (order.remaining > 0n && request.type === 'limit') {
      this.#resting.push(order);
      return reports;
    }
    this.#release(order, market);
    if (order.remaining > 0n) {
      reports.push(expired(order, `book depth exhausted with ${fixedToString(order.remaining)} unfilled`, now));
    }
    return reports;
  }

  /** Cancels resting orders of `account` (all of them when `ids` is absent). */
  cancel(account: string, ids: readonly string[] | undefined, now: number): Routed[] {
    const wanted = ids && new Set(ids);
    return this.#cancelWhere((o) => o.account === account && (!wanted || wanted.has(o.clientOrderId)), 'cancelled on request', now);
  }

  #cancelWhere(which: (request: OrderRequest) => boolean, reason: string, now: number): Routed[] {
    const out: Routed[] = [];
    for (let i = this.#resting.length - 1; i >= 0; i--) {
      const order = this.#resting[i]!;
      if (!which(order.request)) continue;
      this.#resting.splice(i, 1);
      this.#release(order, this.#markets.get(order.request.symbol)!);
      out.unshift({ replyTo: order.request.replyTo, report: { ...base(order), kind: 'cancelled', reason, ts: now } });
    }
    return out;
  }

  /** Moves the market one candle: new prices, a refreshed book, and fills of resting orders it crossed. */
  advance(now: number): { candles: Candle[]; reports: Routed[] } {
    const candles = this.#walk.next(this.#options.timeframe);
    for (const candle of candles) this.#books.get(candle.symbol)!.refresh(candle.close);
    if (this.#resting.length === 0 && !this.#positions.any) return { candles, reports: NO_REPORTS };
    const reports = this.#fillResting(candles, now);
    if (this.#positions.any) for (const candle of candles) reports.push(...this.#settleSwap(candle, now));
    return { candles, reports };
  }

  /** Fills of resting orders that the new candles reached. */
  #fillResting(candles: readonly Candle[], now: number): Routed[] {
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
      if (order.cut !== undefined) reports.push({ replyTo: order.request.replyTo, report: expired(order, order.cut, now) });
      if (order.remaining === 0n || report.kind === 'expired' || order.cut !== undefined) {
        this.#release(order, market);
        this.#resting.splice(i--, 1);
      }
    }
    return reports;
  }

  /**
   * A perpetual's candle settles what is due on its positions: funding at each funding time it spans,
   * at its close; then liquidation of every position the candle's range reached the liquidation price
   * of. A liquidated position's resting orders are cancelled first, as a venue does before it takes
   * the position over; it closes at its liquidation price and pays the maintenance margin as the fee.
   */
  #settleSwap(candle: Candle, now: number): Routed[] {
    const market = this.#markets.get(candle.symbol)!;
    if (!market.swap) return [];
    const out: Routed[] = [];
    for (const at of fundingTimesIn(candle.ts, candle.ts + this.#options.timeframeMs)) {
      const rate = market.fundingRate ?? generatedFundingRate(this.#options.seed, market.symbol, at);
      for (const [account, held] of this.#positions.holding(market.symbol)) {
        const amount = fundingPayment(held.position.quantity, candle.close, rate);
        this.#accounts.book(account, market.quote, amount);
        held.position.funding = (held.position.funding ?? 0n) + amount;
        out.push({ replyTo: held.owner, report: { kind: 'funding', clientOrderId: '', account, symbol: market.symbol, funding: { amount, rate }, ts: at } });
      }
    }
    for (const [account, held] of [...this.#positions.holding(market.symbol)]) {
      const long = held.position.quantity > 0n;
      const liquidation = this.#positions.liquidationPrice(held, this.#accounts.free(account, market.quote), market.swap.maintenanceMargin);
      if (liquidation === undefined || (long ? candle.low > liquidation : candle.high < liquidation)) continue;
      out.push(...this.#cancelWhere((o) => o.account === account && o.symbol === market.symbol, 'the position was liquidated', now));
      const price = roundToStep(liquidation, market.priceStep, long ? 'down' : 'up');
      const quantity = abs(held.position.quantity);
      const side = long ? 'sell' : 'buy';
      const fee = maintenanceMargin(quantity, price, market.swap.maintenanceMargin);
      const change = this.#positions.fill(account, market.symbol, side, quantity, price, { leverage: held.leverage, mode: held.mode, owner: held.owner }, now);
      this.#accounts.unlock(account, market.quote, change.released);
      this.#accounts.book(account, market.quote, change.realized - fee);
      const fill = { tradeId: `${this.#options.idPrefix ?? ''}T${++this.#tradeSeq}`, quantity, price, fee, feeAsset: market.quote, liquidity: 'taker' as const };
      const reason = `liquidated: ${long ? 'low' : 'high'} ${fixedToString(long ? candle.low : candle.high)} reached the liquidation price ${fixedToString(liquidation)}`;
      out.push({ replyTo: held.owner, report: { kind: 'liquidation', clientOrderId: '', account, symbol: market.symbol, side, fill, reason, ts: now } });
    }
    return out;
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
    // A swap order's margin is checked at its fill (`#fillSwap`).
    if (order.request.side !== 'buy' || market.swap) return undefined;
    const cost = SimulatedBook.cost([fill], order.request.type === 'market' ? market.takerFee : market.makerFee);
    const extra = cost - order.reserved;
    if (extra <= 0n) return undefined;
    if (this.#accounts.free(order.request.account, market.quote) < extra) {
      return expired(order, `insufficient balance at the fill: needs ${fixedToString(cost)} ${market.quote}`, now);
    }
    this.#accounts.lock(order.request.account, market.quote, extra);
    order.reserved += extra;
    return undefined;
  }

  snapshot(): PaperSnapshot {
    return {
      walk: this.#walk.snapshot(),
      accounts: this.#accounts.snapshot(),
      positions: this.#positions.snapshot(),
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
    if (market.swap) {
      if ((request.leverage ?? 1) > market.swap.maxLeverage) return `leverage: ${request.leverage}x is above this market's ${market.swap.maxLeverage}x`;
      const held = this.#positions.quantity(request.account, request.symbol);
      if (request.reduceOnly && (held === 0n || (held > 0n) === (request.side === 'buy'))) return 'reduceOnly: the order would not reduce the position';
    } else if (request.leverage !== undefined || request.marginMode !== undefined) {
      return `${request.leverage !== undefined ? 'leverage' : 'marginMode'}: ${request.symbol} is a spot market`;
    }
    const problem = sizeProblem(market, request.quantity, request.price ?? this.#walk.last(request.symbol)!);
    return problem && `quantity: ${problem} (${fixedToString(market.minAmount)} ${market.base}, ${fixedToString(market.minNotional)} ${market.quote})`;
  }

  /**
   * What the order locks: base for a spot sell; for a spot buy, the quote for the whole order at its
   * limit (or at the previewed fills) plus fees; on a swap, the margin of what it would open plus fees.
   */
  #reserve(request: OrderRequest, market: PaperMarket, preview: Level[]): { asset: string; amount: Fixed } {
    if (market.swap) {
      const price = request.price ?? preview.at(-1)?.price ?? this.#walk.last(request.symbol)!;
      const change = this.#positions.preview(request.account, request.symbol, request.side, request.quantity, price, request.leverage ?? 1);
      return { asset: market.quote, amount: change.added + mul(mul(request.quantity, price), max(market.takerFee, market.makerFee)) };
    }
    if (request.side === 'sell') return { asset: market.base, amount: request.quantity };
    if (request.type === 'market') return { asset: market.quote, amount: SimulatedBook.cost(preview, market.takerFee) };
    const notional = mul(request.quantity, request.price!);
    const rate = max(market.takerFee, market.makerFee);
    return { asset: market.quote, amount: notional + mul(notional, rate) };
  }

  /** Settles one fill from the order's reservation and reports it. */
  #fill(order: RestingOrder, market: PaperMarket, level: Level, liquidity: 'maker' | 'taker', now: number): ExecutionReport {
    if (market.swap) return this.#fillSwap(order, market, level, liquidity, now);
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
    return this.#report(order, market, level, fee, liquidity, now);
  }

  #report(order: RestingOrder, market: PaperMarket, level: Level, fee: Fixed, liquidity: 'maker' | 'taker', now: number): ExecutionReport {
    const fill = { tradeId: `${this.#options.idPrefix ?? ''}T${++this.#tradeSeq}`, quantity: level.quantity, price: level.price, fee, feeAsset: market.quote, liquidity };
    return { kind: 'fill', clientOrderId: order.request.clientOrderId, exchangeOrderId: order.exchangeOrderId, account: order.request.account, symbol: order.request.symbol, fill, ts: now };
  }

  /**
   * A swap fill: the order's reservation for this part goes back to the free balance, which then pays
   * the margin of what the fill opens and the fee, and takes the P&L and the margin of what it closes.
   * A reduce-only order fills no more than the position it reduces. When the free balance cannot pay
   * (a next-bar fill priced worse than the order was reserved at), the rest of the order expires.
   */
  #fillSwap(order: RestingOrder, market: PaperMarket, level: Level, liquidity: 'maker' | 'taker', now: number): ExecutionReport {
    const { account, side, symbol, reduceOnly, leverage = 1, marginMode = 'isolated' } = order.request;
    const share = level.quantity >= order.remaining ? order.reserved : (order.reserved * level.quantity) / order.remaining;
    this.#accounts.unlock(account, market.quote, share);
    order.reserved -= share;
    const held = this.#positions.quantity(account, symbol);
    const reducible = held !== 0n && (held > 0n) === (side === 'sell') ? abs(held) : 0n;
    const quantity = reduceOnly ? min(level.quantity, reducible) : level.quantity;
    if (quantity === 0n) return expired(order, 'reduce-only: no position left to reduce', now);
    const fee = mul(mul(level.price, quantity), liquidity === 'maker' ? market.makerFee : market.takerFee);
    const change = this.#positions.preview(account, symbol, side, quantity, level.price, leverage);
    const free = this.#accounts.free(account, market.quote) + change.released + change.realized;
    if (free < change.added + fee) {
      return expired(order, `insufficient margin at the fill: needs ${fixedToString(change.added + fee)} ${market.quote}, has ${fixedToString(free)}`, now);
    }
    this.#positions.fill(account, symbol, side, quantity, level.price, { leverage, mode: marginMode, owner: order.request.replyTo }, now);
    this.#accounts.unlock(account, market.quote, change.released);
    this.#accounts.book(account, market.quote, change.realized - fee);
    this.#accounts.lock(account, market.quote, change.added);
    order.remaining -= quantity;
    if (quantity < level.quantity) order.cut = 'reduce-only: no position left to reduce';
    return this.#report(order, market, { price: level.price, quantity }, fee, liquidity, now);
  }

  /** Gives back what the order no longer needs locked. */
  #release(order: RestingOrder, market: PaperMarket): void {
    if (order.reserved > 0n) this.#accounts.unlock(order.request.account, order.request.side === 'buy' || market.swap ? market.quote : market.base, order.reserved);
    order.reserved = 0n;
  }
}

function base(order: RestingOrder): Pick<ExecutionReport, 'clientOrderId' | 'exchangeOrderId' | 'account' | 'symbol'> {
  return { clientOrderId: order.request.clientOrderId, exchangeOrderId: order.exchangeOrderId, account: order.request.account, symbol: order.request.symbol };
}

function expired(order: RestingOrder, reason: string, now: number): ExecutionReport {
  return { ...base(order), kind: 'expired', reason, ts: now };
}

function reject(request: Pick<OrderRequest, 'clientOrderId' | 'account' | 'symbol'>, reason: string, now: number): ExecutionReport {
  return { kind: 'rejected', clientOrderId: request.clientOrderId, account: request.account, symbol: request.symbol, reason, ts: now };
}
