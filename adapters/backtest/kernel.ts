import { actorArgs, ADDRESSES, exchangeAddress, platformTree, traderAddress } from '../../actors/platform/tree.js';
import type { RiskManagerArgs } from '../../actors/risk/manager.js';
import { bookDecisions, exposureOf, latch, positionDecisions, type Decision } from '../../actors/risk/monitor.js';
import type { TraderArgs } from '../../actors/trader/args.js';
import { TraderCore, type TraderStats } from '../../actors/trader/core.js';
import { strategyDefinition } from '../../actors/strategies/load.js';
import { TradingError } from '../../actors/trading/errors.js';
import { liquidationOrderId } from '../../actors/trading/ids.js';
import type { ExecutionReport, OrderRequest } from '../../actors/trading/exchange-protocol.js';
import type { Side } from '../../actors/trading/order.js';
import { max, type Fixed } from '../../actors/trading/fixed.js';
import type { CandleSeries } from '../market-data/candle-series.js';
import { parseTimeframe } from '../../actors/trading/timeframe.js';
import { paperArgsSchema, paperOptions, type PaperExchangeArgs } from '../paper/options.js';
import { PaperEngine, type Routed } from '../paper/engine.js';
import { paperMarkets, type PaperMarketSpec } from '../paper/markets.js';
import type { PlatformConfig } from '../config/schema.js';
import { FixedColumn, NumberColumn } from './columns.js';

/** One fill of a backtest, as the report lists it. */
export interface BacktestFill {
  traderId: string;
  ts: number;
  symbol: string;
  side: Side;
  price: Fixed;
  quantity: Fixed;
  fee: Fixed;
  feeAsset: string;
  clientOrderId: string;
}

/** One trader's run: its fills, its equity after every step, and its counters. */
export interface TraderRun {
  traderId: string;
  /** The quote asset its equity is counted in. */
  quote: string;
  initialEquity: Fixed;
  finalEquity: Fixed;
  /** The trader's ledger at the end, by asset. */
  finalBalances: Record<string, Fixed>;
  /** Equity (exact) after each step, at `BacktestResult.times[i]`. */
  equity: ArrayLike<Fixed>;
  /** 1 where the trader held a position after the step, else 0. */
  inMarket: ArrayLike<number>;
  fills: BacktestFill[];
  stats: TraderStats;
}

export interface BacktestResult {
  /** Close time of each step's candles. */
  times: ArrayLike<number>;
  timeframe: string;
  /** How market orders were filled: at the next candle's open, this many basis points worse. */
  slippageBps: number;
  traders: TraderRun[];
}

export interface BacktestOptions {
  /** Candles per symbol in `timeframe` (see `loadSeries`). */
  series: Record<string, CandleSeries>;
  timeframe: string;
  slippageBps?: number;
  /** Markets of symbols the paper exchange does not know, or knows otherwise (see `loadMarkets`); the config's own come first. */
  markets?: Record<string, PaperMarketSpec>;
}

/** A trader inside the backtest: its core, where its orders go, and its risk state. */
interface Seat {
  id: string;
  args: TraderArgs;
  symbols: ReadonlySet<string>;
  core: TraderCore;
  run: TraderRun;
  equity: FixedColumn;
  inMarket: NumberColumn;
  /** Client order id -> the order, for its side and its reason when it fills. */
  orders: Map<string, OrderRequest>;
  active: string[];
  peak: Fixed;
}

/**
 * Runs a config's traders over recorded candles with the live code: each trader's `TraderCore` (its
 * strategy, sizing and pre-trade risk checks), the risk manager's stop-loss, take-profit, loss and
 * drawdown rules, and the paper exchange's engine with `next-bar` fills, on a simulated clock: no
 * timers, no wall clock, no threads. The same config and candles give the same result, to the unit.
 *
 * Every exchange of the config is simulated by one paper engine over the recorded candles, with each
 * market's steps, minimums and fees: the paper exchange's built-ins, with the data folder's markets
 * (`options.markets`) and the config's paper markets over them. The AI review is not part of a backtest.
 *
 * @example
 * ```ts
 * const result = await runBacktest(config, { series: await loadSeries('data', ['BTC/USDT'], '1m'), timeframe: '1m' });
 * ```
 */
export async function runBacktest(config: PlatformConfig, options: BacktestOptions): Promise<BacktestResult> {
  const symbols = Object.keys(options.series);
  const first = Math.min(...Object.values(options.series).map((candles) => candles.at(0)?.ts ?? Infinity));
  if (first === Infinity) throw new TradingError('ERR_INVALID_CONFIG', 'no candles in the time window', { field: 'data' });
  // Every exchange is simulated by one engine: each gets every market, the config's paper markets over the data folder's.
  const configured = Object.values(config.exchanges).map((exchange) => (exchange.type === 'paper' ? exchange.markets : undefined));
  const markets = Object.assign({}, options.markets, ...configured) as Record<string, PaperMarketSpec>;
  const known = new Set(paperMarkets(markets).map((m) => m.symbol));
  const unknown = symbols.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new TradingError('ERR_INVALID_CONFIG', `${unknown.join(', ')}: no market (steps, minimums, fees): botv3 data download writes one beside the candles (market.json), or give it in the config under exchanges.<name>.markets`, { field: 'symbols' });
  }
  const slippageBps = options.slippageBps ?? 0;
  const simulated: PlatformConfig = { ...config, exchanges: Object.fromEntries(Object.keys(config.exchanges).map((name) => [name, paperExchange(options.timeframe, symbols, first, slippageBps, markets)])) };
  const tree = platformTree(simulated, { now: first });
  const engine = await sharedEngine(simulated, tree, options);
  const risk = actorArgs<RiskManagerArgs>(tree, ADDRESSES.risk);
  const limited = (limits: object) => Object.values(limits).some((value) => value !== undefined);
  // Exposure reports cost a valuation of every position: made only when some limit can act on them.
  const checksRisk = limited(risk.portfolio) || Object.values(risk.traders).some((t) => limited(t.limits));
  // Each step takes a candle of at least one symbol: there are at least as many as the longest series has.
  const steps = Math.max(...Object.values(options.series).map((candles) => candles.length));
  const seats: Seat[] = [];
  for (const trader of simulated.traders) {
    const args = actorArgs<TraderArgs>(tree, traderAddress(trader.id));
    // No reviewer in a backtest: a held order would wait for ever.
    args.review = { ...args.review, all: false, newSymbols: false, afterLosses: 0, sample: 0 };
    delete args.review.above;
    const core = new TraderCore(args, traderAddress(trader.id), undefined, undefined, args.strategy && (await strategyDefinition(args.strategy)));
    core.discardEvents();
    const equity = core.equity();
    const quote = args.markets[0]?.quote ?? 'USDT';
    seats.push({ id: trader.id, args, symbols: new Set(args.markets.map((m) => m.symbol)), core, run: { traderId: trader.id, quote, initialEquity: equity, finalEquity: equity, finalBalances: {}, equity: [], inMarket: [], fills: [], stats: core.state.stats }, equity: new FixedColumn(steps), inMarket: new NumberColumn('uint8', steps), orders: new Map(), active: [], peak: equity });
  }
  const byAddress = new Map(seats.map((seat) => [traderAddress(seat.id), seat]));
  const timeframeMs = parseTimeframe(options.timeframe);
  const times = new NumberColumn('float64', steps);
  let portfolioActive: string[] = [];
  let portfolioPeak = 0n;

  const deliver = (routed: readonly Routed[], now: number) => {
    if (routed.length === 0) return;
    const bySeat = new Map<Seat, ExecutionReport[]>();
    for (const { replyTo, report } of routed) {
      const seat = byAddress.get(replyTo);
      if (!seat) continue;
      if (report.kind === 'fill' || report.kind === 'liquidation') seat.run.fills.push(fillOf(seat, report));
      let reports = bySeat.get(seat);
      if (!reports) bySeat.set(seat, (reports = []));
      reports.push(report);
    }
    for (const [seat, reports] of bySeat) {
      seat.core.applyExecutions(reports, now);
      flush(seat, now);
    }
  };
  /** What the trader decided goes to the engine, as its actor sends it: cancels first, then orders. */
  const flush = (seat: Seat, now: number) => {
    const { cancels, orders } = seat.core.drain();
    // Most candles decide nothing: no array for them.
    if (cancels.length + orders.length === 0) return;
    const routed: Routed[] = [];
    if (cancels.length > 0) routed.push(...engine.cancel(seat.args.account, cancels, now));
    for (const order of orders) {
      seat.orders.set(order.clientOrderId, order);
      for (const report of engine.submit(order, now)) routed.push({ replyTo: order.replyTo, report });
    }
    if (routed.length > 0) deliver(routed, now);
  };
  const intervene = (seat: Seat, decision: Decision, now: number) => {
    const intervention = { type: 'intervene' as const, action: decision.action, reason: decision.reason, ...(decision.symbols ? { symbols: decision.symbols } : {}) };
    if (seat.core.onIntervention(intervention, `${now}:${decision.key}`, now).cancel) deliver(engine.cancel(seat.args.account, undefined, now), now);
    flush(seat, now);
  };

  /** The risk manager's checks, on every step's exposure reports. */
  const checkRisk = (now: number) => {
    let equity = 0n;
    let dayPnl = 0n;
    let exposure = 0n;
    for (const seat of seats) {
      const report = seat.core.exposure(now);
      seat.peak = max(seat.peak, report.equity);
      const limits = risk.traders[seat.id]!.limits;
      const share = { equity: report.equity, dayPnl: report.dayPnl, exposure: exposureOf(report) };
      const { fire, active } = latch(seat.active, [...positionDecisions(report, limits), ...bookDecisions({ ...share, peak: seat.peak }, limits, 'close-and-halt')]);
      seat.active = active;
      for (const decision of fire) intervene(seat, decision, now);
      equity += share.equity;
      dayPnl += share.dayPnl;
      exposure += share.exposure;
    }
    portfolioPeak = max(portfolioPeak, equity);
    const portfolio = latch(portfolioActive, bookDecisions({ equity, dayPnl, exposure, peak: portfolioPeak }, risk.portfolio, 'emergency-stop'));
    portfolioActive = portfolio.active;
    for (const decision of portfolio.fire) for (const seat of seats) intervene(seat, decision, now);
  };

  for (let open = first; ; ) {
    // Orders decided on the last close fill at this candle's open, before the candle is seen.
    const { candles, reports } = engine.advance(open);
    if (candles.length === 0) break;
    deliver(reports, open);
    const now = candles[0]!.ts + timeframeMs;
    times.push(now);
    for (const seat of seats) {
      const own = seat.symbols.size === symbols.length ? candles : candles.filter((c) => seat.symbols.has(c.symbol));
      if (own.length === 0) continue;
      seat.core.onCandles(own, now);
      flush(seat, now);
    }
    if (checksRisk) checkRisk(now);
    for (const seat of seats) {
      seat.equity.push(seat.core.equity());
      seat.inMarket.push(holds(seat.core.state.positions) ? 1 : 0);
    }
    open = now;
  }
  for (const seat of seats) {
    seat.run.equity = seat.equity.done();
    seat.run.inMarket = seat.inMarket.done();
    seat.run.finalEquity = seat.core.equity();
    seat.run.finalBalances = { ...seat.core.state.balances };
  }
  return { times: times.done(), timeframe: options.timeframe, slippageBps, traders: seats.map((seat) => seat.run) };
}

function holds(positions: Record<string, { quantity: Fixed }>): boolean {
  for (const symbol in positions) if (positions[symbol]!.quantity !== 0n) return true;
  return false;
}

/** A paper exchange replaying the recorded candles, with a backtest's fills. */
function paperExchange(timeframe: string, symbols: string[], startTs: number, slippageBps: number, markets: Record<string, PaperMarketSpec>) {
  return { ...paperArgsSchema.parse({ timeframe, symbols, startTs, candleIntervalMs: 0, fills: 'next-bar', slippageBps }), markets, type: 'paper' as const };
}

/** One engine for every exchange of the config: the accounts of all of them, on the recorded candles. */
async function sharedEngine(config: PlatformConfig, tree: ReturnType<typeof platformTree>, options: BacktestOptions): Promise<PaperEngine> {
  const accounts = Object.keys(config.exchanges).map((name) => actorArgs<PaperExchangeArgs>(tree, exchangeAddress(name)).accounts);
  const first = actorArgs<PaperExchangeArgs>(tree, exchangeAddress(Object.keys(config.exchanges)[0]!));
  const engine = new PaperEngine({ ...(await paperOptions(first)), replay: options.series, idPrefix: '' });
  for (const byAccount of accounts) for (const [account, balances] of Object.entries(byAccount)) engine.deposit(account, balances);
  return engine;
}

/** A fill of one of the trader's orders, or the exchange's liquidation of a perpetual position (which carries its side). */
function fillOf(seat: Seat, report: ExecutionReport): BacktestFill {
  const fill = report.fill!;
  const liquidated = report.kind === 'liquidation';
  return {
    traderId: seat.id,
    ts: report.ts,
    symbol: report.symbol,
    side: liquidated ? report.side! : (seat.orders.get(report.clientOrderId)?.side ?? 'buy'),
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeAsset: fill.feeAsset,
    clientOrderId: liquidated ? liquidationOrderId(fill.tradeId) : report.clientOrderId,
  };
}
