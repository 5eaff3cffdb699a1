import type { ReviewPolicy, TraderArgs } from '../../actors/trader/args.js';
import { TraderCore } from '../../actors/trader/core.js';
import type { TraderEvent } from '../../actors/trader/events.js';
import type { ExecutionReport } from '../../actors/trading/exchange-protocol.js';
import { toFixed, type Fixed } from '../../actors/trading/fixed.js';
import { PaperEngine } from '../../adapters/paper/engine.js';
import type { Market } from '../../actors/trading/market.js';
import { paperMarkets } from '../../adapters/paper/markets.js';

type ToExchange = { kind: 'cancel'; ids: string[] } | { kind: 'place'; order: Parameters<PaperEngine['place']>[0] };

const NO_REVIEW: ReviewPolicy = { all: false, newSymbols: false, afterLosses: 0, sample: 0, timeoutMs: 1_000, onFailure: 'reject' };

/** A trader `t` of account `t` on `markets`, with no limits and no review unless `review` asks. */
export function testTraderArgs(markets: Market[], balances: Record<string, Fixed>, review: Partial<ReviewPolicy> = {}): TraderArgs {
  return {
    id: 't',
    exchange: 'exchange.paper',
    risk: 'risk',
    reviewer: 'reviewer',
    events: 'events',
    account: 't',
    markets,
    orderNotional: toFixed(100, 'orderNotional'),
    limits: {},
    review: { ...NO_REVIEW, ...review },
    balances,
    dedupeWindow: 10_000,
    reportMs: 250,
  };
}

/**
 * One trader's pipeline and the paper exchange's matching engine in one thread, joined by two FIFO
 * queues that a test drains when it likes: what is still in a queue is "in flight". Everything is
 * synchronous and seeded, so a test (or a property) controls every interleaving the actors allow.
 */
export class TraderDesk {
  readonly core: TraderCore;
  readonly engine: PaperEngine;
  readonly events: TraderEvent[] = [];
  /** Orders the trader holds for review, by client order id. */
  readonly held = new Set<string>();
  readonly #toExchange: ToExchange[] = [];
  readonly #toTrader: ExecutionReport[][] = [];
  #now = 1_767_225_600_000;

  /** `swap`: the trader's perpetual terms (`TraderArgs`), given to every swap symbol; `limits`: its pre-trade limits. */
  constructor(
    options: { symbols?: string[]; balances?: Record<string, string>; review?: Partial<ReviewPolicy>; seed?: number; swap?: Pick<TraderArgs, 'allowShort' | 'marginMode'> & { leverage?: number }; limits?: TraderArgs['limits'] } = {},
  ) {
    const symbols = options.symbols ?? ['SOL/USDT'];
    const markets = paperMarkets().filter((m) => symbols.includes(m.symbol));
    const balances = Object.fromEntries(Object.entries(options.balances ?? { USDT: '10000' }).map(([asset, amount]) => [asset, toFixed(amount, asset)]));
    this.engine = new PaperEngine({ markets, seed: options.seed ?? 7, timeframe: '1m', timeframeMs: 60_000, startTs: this.#now, dedupeWindow: 10_000 });
    this.engine.deposit('t', balances);
    const args = testTraderArgs(markets, balances, options.review);
    if (options.limits) args.limits = options.limits;
    if (options.swap) {
      const { leverage = 1, ...terms } = options.swap;
      Object.assign(args, terms, { leverage: Object.fromEntries(markets.filter((m) => m.swap).map((m) => [m.symbol, leverage])) });
    }
    this.core = new TraderCore(args, 'trader.t', undefined);
    this.candle();
  }

  get now(): number {
    return this.#now;
  }

  /** Moves the market one candle; its fills wait in flight with every other report. */
  candle(): void {
    this.#now += 60_000;
    const { candles, reports } = this.engine.advance(this.#now);
    if (reports.length > 0) this.#toTrader.push(reports.map((r) => r.report));
    this.core.onCandles(candles, this.#now);
    this.#collect();
  }

  signal(signal: Record<string, unknown>): void {
    this.core.onSignal({ strategy: 'test', ...signal }, String(signal.id), this.#now);
    this.#collect();
  }

  verdict(clientOrderId: string, approved: boolean): void {
    this.held.delete(clientOrderId);
    this.core.onVerdict({ clientOrderId, approved, reason: approved ? 'fine' : 'no', by: 'human', flagged: false, opinions: [] }, this.#now);
    this.#collect();
  }

  intervene(action: 'emergency-stop' | 'close-positions' | 'halt', symbols?: string[]): void {
    const cancel = this.core.onIntervention({ type: 'intervene', action, reason: `test ${action}`, ...(symbols ? { symbols } : {}) }, `${this.#now}`, this.#now).cancel;
    if (cancel) this.#toExchange.push({ kind: 'cancel', ids: Object.keys(this.core.state.orders) });
    this.#collect();
  }

  tick(): void {
    this.#now += 250;
    this.core.onTick(this.#now);
    this.#collect();
  }

  /** Lets the exchange handle up to `count` messages from the trader, in order. */
  toExchange(count = Infinity): void {
    for (let i = 0; i < count && this.#toExchange.length > 0; i++) {
      const message = this.#toExchange.shift()!;
      const routed = message.kind === 'cancel' ? this.engine.cancel('t', message.ids, this.#now).map((r) => r.report) : this.engine.place(message.order, this.#now);
      if (routed.length > 0) this.#toTrader.push(routed);
    }
  }

  /** Loses the next `count` messages to the exchange on the way. */
  lose(count = 1): void {
    this.#toExchange.splice(0, count);
  }

  /** Starts the trader with a position it already holds (as after a restart), on its ledger and the exchange alike. */
  hold(symbol: string, quantity: string): void {
    const market = this.engine.markets.find((m) => m.symbol === symbol)!;
    const amount = toFixed(quantity, 'quantity');
    this.engine.deposit('t', { [market.base]: amount });
    this.core.state.balances[market.base] = (this.core.state.balances[market.base] ?? 0n) + amount;
    this.core.state.positions[symbol] = { symbol, quantity: amount, avgEntry: this.core.state.marks[symbol]!, realizedPnl: 0n, fees: 0n, openedAt: this.#now };
  }

  /** Delivers up to `count` report batches to the trader, in order. */
  toTrader(count = Infinity): void {
    for (let i = 0; i < count && this.#toTrader.length > 0; i++) {
      this.core.onExecutions(this.#toTrader.shift()!, this.#now);
      this.#collect();
    }
  }

  /** Both ways until nothing is in flight. */
  settle(): void {
    while (this.#toExchange.length > 0 || this.#toTrader.length > 0) {
      this.toExchange();
      this.toTrader();
    }
  }

  position(symbol: string): Fixed {
    return this.core.state.positions[symbol]?.quantity ?? 0n;
  }

  /** What the exchange holds for the account: free plus locked. */
  onExchange(asset: string): Fixed {
    const balance = this.engine.balances('t')[asset];
    return balance ? balance.free + balance.locked : 0n;
  }

  #collect(): void {
    const { events, cancels, orders, reviews } = this.core.drain();
    this.events.push(...events);
    if (cancels.length > 0) this.#toExchange.push({ kind: 'cancel', ids: cancels });
    for (const order of orders) this.#toExchange.push({ kind: 'place', order });
    for (const { order } of reviews) this.held.add(order.clientOrderId);
  }
}
