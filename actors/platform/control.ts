import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { DeadLetterKind } from '../../runtime/dead-letters.js';
import type { ActorSystem } from '../../runtime/system.js';
import type { ActorStatus } from '../../runtime/cell.js';
import type { Address, Message } from '../../runtime/message.js';
import { parseTrader } from '../../adapters/config/load.js';
import { traderExchange, traderSymbols, type PlatformConfig, type TraderConfig } from '../../adapters/config/schema.js';
import type { ExchangeStatusReply } from '../../adapters/exchanges/exchange.js';
import { findOrder, list, listSchemas, queryFailure, type ListName, type Page, type Row } from '../../adapters/database/queries.js';
import { equityBounds, equityHistory, equitySteps, traderFills, type EquityPoint } from '../../adapters/database/equity.js';
import type { ReadPool } from '../../adapters/database/read-pool.js';
import type { PositionsView } from './positions-view.js';
import type { SignalKey, SignalOutcomesReply, StoredSignalOutcome } from '../../adapters/database/signal-outcomes.js';
import type { PersistenceStatus } from '../persistence/persistence.js';
import type { QueuedReview, ReviewerStatus } from '../reviewer/protocol.js';
import type { TraderStatus } from '../trader/core.js';
import type { TraderChart } from '../trader/chart.js';
import type { TraderArgs } from '../trader/args.js';
import { latestBalances, openSwapPositions } from '../../adapters/database/queries.js';
import { claimLease } from '../../adapters/database/writer.js';
import { performanceOf, stepFor, type TraderPerformance } from './performance.js';
import { parseSignal, signalFields } from '../trading/signal.js';
import type { Market } from '../trading/market.js';
import { ADDRESSES, exchangeAddress, monitorLimits, persistedTrader, traderAddress, traderSpec, type PlatformOptions } from './tree.js';
import { own } from '../trading/own.js';
import { DrainRates } from './drain-rate.js';

/** A trader as the operator sees it: its config, its actor's health and, when it runs, its live state. */
export interface TraderSummary {
  id: string;
  state: 'running' | 'starting' | 'restarting' | 'stopped' | 'failed';
  exchange: string;
  strategy: { name: string; type: string; timeframe: string } | null;
  symbols: string[];
  restarts: number;
  lastError: string | null;
  /** Live state; absent while the trader is not running. */
  live?: TraderStatus;
  /** Equity less the starting quote balance, at the current marks. */
  pnl?: bigint;
  /** Equity less the equity at the start of the UTC day. */
  dayPnl?: bigint;
}

export interface PlatformSnapshot {
  state: 'running' | 'stopping' | 'stopped';
  uptimeMs: number;
  traders: { running: number; failed: number; stopped: number };
  restarts: number;
  database: { kind: 'embedded' | 'external' | 'none'; where: string | null; reachable: boolean; bufferedRows: number; lastError: string | null };
  exchanges: { name: string; type: 'paper' | 'ccxt'; connectivity: string; lastError: string | null }[];
  reviewer: { kind: string; describe: string; state: string; queued: number; inFlight: number };
  /** Messages given up on since the start (poison after `maxFailures`, invalid, to an unknown or stopped actor, not cloneable), by kind. */
  deadLetters: ReturnType<ActorSystem['status']>['deadLetters'];
}

/** A dead letter as the API lists it (see `PlatformControl.deadLetters`). */
export interface DeadLetterSummary {
  address: string;
  kind: DeadLetterKind;
  reason: string;
  messageType: string | null;
  attempts: number | null;
  /** ISO 8601. */
  at: string;
}

/** One trader after an emergency stop (see `PlatformControl.stopReport`). */
export interface StopReport {
  traderId: string;
  state: 'flat' | 'closing' | 'unclosed' | 'not running';
  mode: TraderStatus['mode'] | null;
  /** Positions still open and not given up on; `exiting` once their exit has started. */
  closing: { symbol: string; quantity: bigint; exiting: boolean }[];
  unclosed: { symbol: string; quantity: bigint | null; reason: string }[];
}

export type SignalOutcome =
  | { index: number; id: string; traderId: string | null; accepted: true }
  | { index: number; id: string | null; traderId: string | null; accepted: false; field: string; reason: string }
  /** An id already used: not routed again, and answered with what became of it. */
  | { index: number; id: string; traderId: string; accepted: false; duplicate: true; field: 'id'; reason: string; outcome: StoredSignalOutcome };

/** `PlatformControl.admit`: go ahead, or wait `retryAfterS` (429 while the trader runs, 503 while it does not). */
export type Admission = { ok: true } | { ok: false; code: 'ERR_RATE_LIMITED' | 'ERR_UNAVAILABLE'; retryAfterS: number; reason: string };

export type ControlErrorCode = 'ERR_NOT_FOUND' | 'ERR_CONFLICT' | 'ERR_UNAVAILABLE' | 'ERR_INVALID_QUERY';

/** An operation the platform refused, with a stable `code` and, for bad input, the `field` at fault. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  readonly code: ControlErrorCode;
  readonly field: string | undefined;

  constructor(code: ControlErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.field = options?.field;
  }
}

/** What the control plane needs besides the running system: how the tree was built and the database it reports to. */
export interface ControlOptions {
  platform: PlatformOptions;
  database?: { kind: 'embedded' | 'external'; where: string };
  /** The control plane's own pool on the platform's database, for the API's reads. */
  reads?: ReadPool;
  /** The positions table kept from the events hub: `query('positions')` reads it once, then answers from memory. */
  positions?: PositionsView;
  /**
   * Where accepted signals go instead of their traders' mailboxes here: a cluster's JetStream subjects,
   * from which each trader's node takes them (see `adapters/cluster`). Resolves once they are kept.
   */
  route?: (batches: ReadonlyMap<string, readonly { id: string }[]>) => Promise<void>;
}

/**
 * The platform's control plane, for the API, the CLI and the Telegram bot: statuses gathered from the
 * actors, queries answered by persistence, signals routed to traders' mailboxes, and the trader
 * lifecycle (create, start, stop, restart, delete) applied to the running supervision tree. Every
 * change goes through messages to the actors concerned, never through their state.
 */
export class PlatformControl {
  readonly #system: ActorSystem;
  readonly #config: PlatformConfig;
  readonly #options: ControlOptions;
  /** Traders of the config that an operator stopped: kept, so they can be started again. */
  readonly #stopped = new Set<string>();
  /** Ids of traders being created, so that two requests cannot create the same one. */
  readonly #creating = new Set<string>();
  /** Queries running, by list and filter. */
  readonly #queries = new Map<string, Promise<Page>>();
  /** Quote balance each trader started with, for P&L; a real account's trader, its equity when first seen. */
  readonly #starting = new Map<string, bigint>();
  /** How fast each trader works its mailbox off, for the wait `admit()` asks of callers. */
  readonly #drainRates = new DrainRates();
  /** The lookup of used signal ids gathering keys, not asked yet; and the last one asked (see `#lookUp`). */
  #lookup: { keys: SignalKey[]; reply: Promise<SignalOutcomesReply> } | undefined;
  #lastLookup: Promise<SignalOutcomesReply> | undefined;

  constructor(system: ActorSystem, config: PlatformConfig, options: ControlOptions) {
    this.#system = system;
    this.#config = config;
    this.#options = options;
    for (const trader of config.traders) this.#startFrom(trader);
  }

  /** A paper trader starts from its configured quote balance; a real account's from what it first reports (its share of the account). */
  #startFrom(trader: TraderConfig): void {
    const start = configuredStart(this.#config, trader);
    if (start !== undefined) this.#starting.set(trader.id, start);
  }

  get config(): PlatformConfig {
    return this.#config;
  }

  get hasDatabase(): boolean {
    return this.#options.platform.database !== undefined;
  }

  /** Connections persistence keeps to the database (0 without one). */
  get poolSize(): number {
    return this.#options.platform.database?.poolSize ?? 0;
  }

  /**
   * The latest dead letters, newest first (of `address` when given): where each was going, why it was
   * given up on, and its message's `type`. Not the message itself, which may be large; the log has it.
   */
  deadLetters(options: { address?: string; limit: number }): DeadLetterSummary[] {
    return this.#system.deadLetters.list(options).map(({ address, kind, reason, message, attempts, at }) => ({
      address,
      kind,
      reason,
      messageType: typeof (message as { type?: unknown })?.type === 'string' ? (message as { type: string }).type : null,
      attempts: attempts ?? null,
      at,
    }));
  }

  async status(): Promise<PlatformSnapshot> {
    const system = this.#system.status();
    const [traders, database, reviewer, exchanges] = await Promise.all([this.traders(), this.database(), this.reviewer(), this.exchanges()]);
    return {
      state: system.state,
      uptimeMs: system.uptimeMs,
      traders: {
        running: traders.filter((t) => t.state === 'running').length,
        failed: traders.filter((t) => t.state === 'failed').length,
        stopped: traders.filter((t) => t.state === 'stopped').length,
      },
      restarts: system.actors.reduce((sum, a) => sum + a.restarts, 0),
      database,
      exchanges,
      reviewer: reviewer
        ? { kind: reviewer.kind, describe: reviewer.describe, state: reviewer.state, queued: reviewer.queued, inFlight: reviewer.inFlight }
        : { kind: 'unknown', describe: 'the reviewer does not answer', state: 'down', queued: 0, inFlight: 0 },
      deadLetters: system.deadLetters,
    };
  }

  /** Each exchange's connectivity: a paper exchange is up while its actor runs; a ccxt one says itself. */
  exchanges(): Promise<PlatformSnapshot['exchanges']> {
    const actors = this.#system.status().actors;
    return Promise.all(
      Object.entries(this.#config.exchanges).map(async ([name, exchange]) => {
        if (exchange.type === 'paper') {
          const state = actors.find((a) => a.address === exchangeAddress(name))?.state;
          return { name, type: 'paper' as const, connectivity: state === 'running' ? 'up' : 'down', lastError: null };
        }
        // Its actor has made no call yet, so it would say up: what it is, is unreachable since the start.
        const unreachable = this.#options.platform.unreachable?.[name];
        if (unreachable !== undefined) return { name, type: 'ccxt' as const, connectivity: 'down', lastError: unreachable };
        const reply = await this.#system.request<ExchangeStatusReply>(exchangeAddress(name), { type: 'status' }).catch((error: Error) => ({ connectivity: 'down', lastError: error.message }));
        return { name, type: 'ccxt' as const, connectivity: reply.connectivity, lastError: reply.lastError ?? null };
      }),
    );
  }

  /** The database as persistence sees it: reachable, and how many rows wait to be written. */
  async database(): Promise<PlatformSnapshot['database']> {
    const persistence = this.hasDatabase ? await this.#system.request<PersistenceStatus>(ADDRESSES.persistence, { type: 'status' }).catch(() => undefined) : undefined;
    return {
      kind: this.#options.database?.kind ?? 'none',
      where: this.#options.database?.where ?? null,
      reachable: persistence?.up ?? false,
      bufferedRows: persistence?.buffered ?? 0,
      lastError: persistence?.lastError ?? null,
    };
  }

  /** The AI reviewer's status (which reviewer, its spend, its queue); undefined when it does not answer. */
  reviewer(): Promise<ReviewerStatus | undefined> {
    return this.#system.request<ReviewerStatus>(ADDRESSES.reviewer, { type: 'status' }).catch(() => undefined);
  }

  /** The human review queue, oldest first. */
  async reviewQueue(traderId?: string): Promise<QueuedReview[]> {
    const reply = await this.#system.request<{ reviews: QueuedReview[] }>(ADDRESSES.reviewer, { type: 'list', ...(traderId !== undefined ? { traderId } : {}) });
    return reply.reviews;
  }

  /**
   * A human's decision on a queued review: the order goes out (or is dropped) through its trader.
   * Throws `ERR_NOT_FOUND` for an id not in the queue and `ERR_CONFLICT` for one already decided or expired.
   */
  async decideReview(id: string, approved: boolean, options: { note?: string; decidedBy?: string } = {}): Promise<QueuedReview> {
    const reply = await this.#system.request<{ type: 'decided'; review: QueuedReview } | { type: 'decideFailed'; code: 'ERR_NOT_FOUND' | 'ERR_CONFLICT'; message: string }>(
      ADDRESSES.reviewer,
      { type: 'decide', id, approved, ...options },
    );
    if (reply.type === 'decideFailed') throw new ControlError(reply.code, reply.message, { field: 'id' });
    return reply.review;
  }

  /** Every trader of the config, with live state for those running. */
  async traders(): Promise<TraderSummary[]> {
    const actors = new Map(this.#system.status().actors.map((a) => [a.address, a]));
    return Promise.all(this.#config.traders.map((t) => this.#summary(t, actors.get(traderAddress(t.id)))));
  }

  async trader(id: string): Promise<TraderSummary> {
    const config = this.#traderConfig(id);
    return this.#summary(config, this.#system.actorStatus(traderAddress(id)));
  }

  /**
   * Adds a trader to the running platform: validated like a config file entry (errors name the field),
   * registered with the risk manager and persistence, its paper account funded when it is new, then
   * started under the `traders` supervisor.
   */
  async createTrader(input: unknown): Promise<TraderSummary> {
    const trader = parseTrader(input);
    if (this.#creating.has(trader.id) || this.#config.traders.some((t) => t.id === trader.id)) {
      throw new ControlError('ERR_CONFLICT', `trader "${trader.id}" already exists`, { field: 'id' });
    }
    const config = { ...this.#config, traders: [...this.#config.traders, trader] };
    const built = traderSpec(config, trader, '', { ...this.#options.platform, balances: {} });
    this.#creating.add(trader.id);
    try {
      if (this.#config.exchanges[built.exchange]!.type === 'paper') {
        const { balances } = await this.#system.request<{ balances: Record<string, unknown> }>(exchangeAddress(built.exchange), { type: 'getBalances', account: built.account });
        if (Object.keys(balances).length === 0) await this.#send(exchangeAddress(built.exchange), { type: 'openAccount', account: built.account, balances: built.balances });
      }
      if (this.hasDatabase) await this.#system.request(ADDRESSES.persistence, { type: 'register', traderId: trader.id, trader: persistedTrader(trader) });
      await this.#launch(trader, built.spec);
      this.#config.traders.push(trader);
      this.#startFrom(trader);
    } finally {
      this.#creating.delete(trader.id);
    }
    return this.trader(trader.id);
  }

  async startTrader(id: string): Promise<TraderSummary> {
    const trader = this.#traderConfig(id);
    this.#notClustered(id);
    if (!this.#stopped.has(id)) throw new ControlError('ERR_CONFLICT', `trader "${id}" is not stopped`);
    const { spec } = traderSpec(this.#config, trader, '', { ...this.#options.platform, balances: {} });
    await this.#launch(trader, spec);
    this.#stopped.delete(id);
    return this.trader(id);
  }

  /** Stops a trader gracefully (its mailbox is drained first); its config stays, so it can be started again. */
  async stopTrader(id: string): Promise<TraderSummary> {
    const trader = this.#traderConfig(id);
    this.#notClustered(id);
    if (this.#stopped.has(id)) throw new ControlError('ERR_CONFLICT', `trader "${id}" is already stopped`);
    await this.#halt(trader);
    this.#stopped.add(id);
    return this.trader(id);
  }

  /** Restarts a trader's actor from its last snapshot (a failed trader too). */
  async restartTrader(id: string): Promise<TraderSummary> {
    this.#traderConfig(id);
    if (this.#stopped.has(id)) throw new ControlError('ERR_CONFLICT', `trader "${id}" is stopped: start it instead`);
    await this.#system.restartChild(traderAddress(id));
    return this.trader(id);
  }

  /** Stops a trader and forgets its config. What it stored stays in the database. */
  async deleteTrader(id: string): Promise<void> {
    const trader = this.#traderConfig(id);
    if (!this.#stopped.has(id)) await this.#halt(trader);
    this.#stopped.delete(id);
    this.#config.traders.splice(this.#config.traders.indexOf(trader), 1);
  }

  /**
   * Starts trader `id` on this cluster node, which just took its lease: from the database's state, its
   * paper account (if paper) opened afresh with its stored balances and positions, since the node it
   * ran on before kept its book. Its orders carry `generation`, and the exchanges here refuse them once
   * the node no longer holds that lease.
   */
  async adopt(id: string, generation: number): Promise<void> {
    const trader = this.#traderConfig(id);
    // Claimed first, so that the old owner's late writes of it are refused before its state is read here.
    await this.#read((pool) => claimLease(pool, id, generation));
    const [balances, positions] = await this.#read((pool) => Promise.all([latestBalances(pool, id), openSwapPositions(pool, id)]));
    const options: PlatformOptions = { ...this.#options.platform, balances, positions };
    const built = traderSpec(this.#config, trader, '', options);
    (built.spec as { args: TraderArgs }).args.generation = generation;
    if (this.#config.exchanges[built.exchange]!.type === 'paper') {
      await this.#send(exchangeAddress(built.exchange), { type: 'reopenAccount', account: built.account, balances: built.balances, positions: built.positions });
    }
    await this.#launch(trader, built.spec);
  }

  /** Stops trader `id` on this cluster node, which gives up its lease (gracefully: its mailbox is worked off first). */
  async release(id: string): Promise<void> {
    const trader = this.#traderConfig(id);
    if (this.#system.has(traderAddress(id))) await this.#halt(trader);
  }

  /**
   * Starts the traders that waited for a ccxt exchange unreachable at start (see
   * `PlatformOptions.unreachable`), now that its markets are loaded; from then on the exchange reports
   * its own connectivity. All are checked before any starts: a symbol the exchange does not list throws
   * `ERR_INVALID_CONFIG` naming the trader's field. Returns the ids started.
   */
  async startWaitingTraders(exchange: string, markets: Market[]): Promise<string[]> {
    const platform = this.#options.platform;
    if (platform.unreachable?.[exchange] === undefined) throw new ControlError('ERR_CONFLICT', `exchange "${exchange}" has no waiting traders`);
    const options: PlatformOptions = { ...platform, markets: { ...platform.markets, [exchange]: markets } };
    const waiting = this.#config.traders.filter((t) => traderExchange(t) === exchange && !this.#stopped.has(t.id));
    const specs = waiting.map((t) => traderSpec(this.#config, t, `traders[${this.#config.traders.indexOf(t)}].`, options).spec);
    // Later starts and creations on this exchange build their traders with these markets too.
    platform.markets = options.markets;
    delete platform.unreachable[exchange];
    for (const [i, trader] of waiting.entries()) await this.#launch(trader, specs[i]!);
    return waiting.map((t) => t.id);
  }

  /**
   * One of the stored lists, read on the control plane's own pool (`reads`), not through persistence,
   * whose mailbox is busy with what traders report; a bad filter throws `ERR_INVALID_QUERY` naming the
   * field. Identical queries asked while one is running share its answer, so a dashboard polled by many
   * clients costs one query at a time. Positions, with `positions` given, cost one query in all: the
   * table is read once, and kept from the hub's events after that.
   */
  query(list: ListName, filter: Record<string, unknown>): Promise<Page> {
    const key = `${list}\u0000${JSON.stringify(filter)}`;
    const running = this.#queries.get(key);
    if (running) return running;
    const query = this.#query(list, filter).finally(() => this.#queries.delete(key));
    this.#queries.set(key, query);
    return query;
  }

  /** The control plane's pool for reads; throws `ERR_UNAVAILABLE` without a database. */
  #reads(): ReadPool {
    const reads = this.#options.reads;
    if (!reads) throw new ControlError('ERR_UNAVAILABLE', 'this platform runs without a database');
    return reads;
  }

  /** A query on the control plane's pool (reads, and a cluster's lease claims); a database that cannot answer throws `ERR_UNAVAILABLE`. */
  async #read<T>(work: (pool: DatabasePool) => Promise<T>): Promise<T> {
    const reads = this.#reads();
    try {
      return await reads.run(work);
    } catch (error) {
      throw unanswered(error);
    }
  }

  async #query(name: ListName, filter: Record<string, unknown>): Promise<Page> {
    const reads = this.#reads();
    const parsed = listSchemas[name].safeParse(filter);
    if (!parsed.success) {
      const failure = queryFailure(parsed.error);
      throw new ControlError('ERR_INVALID_QUERY', failure.reason, { field: failure.field ?? 'filter' });
    }
    const view = name === 'positions' ? this.#options.positions : undefined;
    try {
      if (!view) return await reads.run((pool) => list(pool, name, filter));
      await view.load(() => reads.run(async (pool) => (await list(pool, 'positions', {})).rows));
      return view.list(parsed.data as Parameters<PositionsView['list']>[0]);
    } catch (error) {
      throw unanswered(error);
    }
  }

  /** One stored order, as the `orders` list serves it; throws `ERR_NOT_FOUND` naming `clientOrderId` when there is none. */
  async order(clientOrderId: string): Promise<Row> {
    const row = await this.#read((pool) => findOrder(pool, clientOrderId));
    if (!row) throw new ControlError('ERR_NOT_FOUND', `no order "${clientOrderId}"`, { field: 'clientOrderId' });
    return row;
  }

  /**
   * Trader `id`'s latest closed candles of `symbol` (its first by default), oldest first, with its
   * strategy's indicators over them, as the running trader keeps them (`ChartRing`): none while it does
   * not run. A symbol it does not trade throws `ERR_INVALID_QUERY` naming `symbol`.
   */
  async candles(id: string, options: { symbol?: string | undefined; limit: number }): Promise<TraderChart> {
    const trader = this.#traderConfig(id);
    const symbols = traderSymbols(trader);
    const symbol = options.symbol ?? symbols[0]!;
    if (!symbols.includes(symbol)) throw new ControlError('ERR_INVALID_QUERY', `trader "${id}" trades ${symbols.join(', ')}, not ${symbol}`, { field: 'symbol' });
    const empty: TraderChart = { type: 'traderChart', symbol, timeframe: null, candles: [], indicators: [] };
    const chart = this.#running(id) ? await this.#system.request<TraderChart>(traderAddress(id), { type: 'chart', symbol, limit: options.limit }).catch(() => empty) : empty;
    return { ...chart, timeframe: chart.timeframe ?? trader.strategy?.timeframe ?? null };
  }

  /**
   * Trader `id`'s stored equity in [`from`, `to`), oldest first, in at most `limit` points, each with its
   * drawdown from the peak before it (`equityHistory`); a paper trader's configured starting balance is
   * its first peak.
   */
  async equity(id: string, options: { from?: number | undefined; to?: number | undefined; limit: number }): Promise<EquityPoint[]> {
    const initial = configuredStart(this.#config, this.#traderConfig(id));
    return this.#read((pool) => equityHistory(pool, id, { ...options, initial }));
  }

  /**
   * Trader `id`'s figures from its start to `now`, as a backtest reports them, from its stored equity
   * and fills and its equity now (live while it runs): see `performanceOf`.
   */
  async performance(id: string, now = Date.now()): Promise<TraderPerformance> {
    const summary = await this.trader(id);
    const bounds = await this.#read((pool) => equityBounds(pool, id));
    const start = Math.min(bounds?.start ?? now, now);
    // A real account's trader starts from its ledger as first opened, which is stored.
    const initialEquity = configuredStart(this.#config, this.#traderConfig(id)) ?? bounds?.first ?? summary.live?.equity ?? 0n;
    const { origin, stepMs } = stepFor(start, now);
    const [steps, fills] = await this.#read((pool) => Promise.all([equitySteps(pool, id, origin, stepMs), traderFills(pool, id)]));
    return performanceOf({ start, initialEquity, equity: summary.live?.equity ?? bounds?.last ?? initialEquity, now, origin, stepMs, steps, fills });
  }

  /**
   * Routes outside signals to their traders' mailboxes. Each is validated first with the trader's own
   * rules, so the answer says which were accepted and, for the others, the field at fault; those
   * accepted are processed in order. A signal without an id gets one. An id the caller chose that is
   * already stored for its trader is not routed again: it is answered with its stored outcome (and its
   * order's status), since a trader restarted with the platform remembers only its latest ids. An id
   * used but not stored yet is routed, and its trader drops it as a duplicate.
   * All are checked, cut down to the fields a trader reads, and looked up before any is sent: a call
   * routes every accepted signal, or throws having routed none (`ERR_UNAVAILABLE` when the database
   * cannot answer the lookup). `newIds`: the caller made every id up itself, so none is looked up.
   */
  async submitSignals(inputs: readonly unknown[], { now = Date.now(), newIds = false }: { now?: number; newIds?: boolean } = {}): Promise<SignalOutcome[]> {
    const routable: { index: number; traderId: string; signal: { id: string }; chosen: boolean }[] = [];
    // Asked once per trader and pass: a request of 1,000 signals is mostly for a few traders.
    const closedBefore = memo((id: string) => this.#closed(id));
    const outcomes = inputs.map((input, index): SignalOutcome => {
      const traderId = typeof (input as { traderId?: unknown })?.traderId === 'string' ? (input as { traderId: string }).traderId : null;
      const rawId = (input as { id?: unknown })?.id;
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : null;
      const refuse = (field: string, reason: string): SignalOutcome => ({ index, id, traderId, accepted: false, field, reason });
      if (traderId === null) return refuse('traderId', 'required: the id of the trader the signal is for');
      const trader = this.#config.traders.find((t) => t.id === traderId);
      if (!trader) return refuse('traderId', `no trader "${traderId}"`);
      const closed = closedBefore(traderId);
      if (closed !== undefined) return refuse('traderId', closed);
      const signalId = id ?? `api-${randomUUID()}`;
      // Plain data only: an extra field (a deep one cannot be cloned to the trader's thread) would
      // otherwise fail the send of its trader's batch after other traders' batches went out.
      const signal = { ...signalFields(input as object), id: signalId };
      const verdict = parseSignal(signal, { traderId, symbols: new Set(traderSymbols(trader)), fallbackId: signalId, now });
      if (!verdict.ok) return refuse(verdict.field, verdict.reason);
      routable.push({ index, traderId, signal, chosen: id !== null && !newIds });
      return { index, id: signalId, traderId, accepted: true };
    });
    const stored = await this.#storedOutcomes(routable.filter((r) => r.chosen).map((r) => ({ traderId: r.traderId, id: r.signal.id })));
    const batches = new Map<string, unknown[]>();
    // Checked again: a trader stopped during the lookup would fail its send after other batches went out.
    const closedAfter = memo((id: string) => this.#closed(id));
    for (const { index, traderId, signal } of routable) {
      const outcome = stored(traderId, signal.id);
      const closed = closedAfter(traderId);
      if (outcome) outcomes[index] = { index, id: signal.id, traderId, accepted: false, duplicate: true, field: 'id', reason: 'signal id already used', outcome };
      else if (closed !== undefined) outcomes[index] = { index, id: signal.id, traderId, accepted: false, field: 'traderId', reason: closed };
      else {
        const batch = batches.get(traderId) ?? [];
        batch.push(signal);
        batches.set(traderId, batch);
      }
    }
    if (this.#options.route) {
      await this.#options.route(batches as Map<string, { id: string }[]>).catch((error: unknown) => {
        throw new ControlError('ERR_UNAVAILABLE', 'the cluster did not confirm it keeps these signals, and may keep some: send them again with ids of your own (an id is never processed twice)', { cause: error });
      });
      return outcomes;
    }
    // All sent in one go, so that none is routed unless all are. Callers check `admit()` first (the API
    // answers 429 or 503), so there is room; a mailbox they fill anyway is waited on before answering,
    // which slows the caller down as the contract asks.
    const filled = [...batches].filter(([traderId, signals]) => !this.#system.send(traderAddress(traderId), { type: 'signals', signals }));
    await Promise.all(filled.map(([traderId]) => this.#system.drained(traderAddress(traderId))));
    return outcomes;
  }

  /** Why trader `id` cannot take signals now (an operator stopped it, or its actor cannot take a send), or undefined. */
  #closed(id: string): string | undefined {
    if (this.#stopped.has(id)) return `trader "${id}" is stopped`;
    // Routed through the cluster, they wait in its stream for whichever node runs the trader.
    if (this.#options.route) return undefined;
    const state = this.#system.actorStatus(traderAddress(id))?.state;
    return state === undefined || state === 'stopped' || state === 'failed' ? `trader "${id}" is ${state ?? 'not started'}` : undefined;
  }

  /**
   * The stored outcome of each key, by trader and id, from one query to persistence. Throws
   * `ERR_UNAVAILABLE` when it cannot answer: a used id could then be routed again. Without a database
   * nothing is stored, and the traders' memory of ids is all there is.
   */
  async #storedOutcomes(keys: SignalKey[]): Promise<(traderId: string, id: string) => StoredSignalOutcome | undefined> {
    if (keys.length === 0 || !this.hasDatabase) return () => undefined;
    const reply = await this.#lookUp(keys);
    if (reply.type === 'signalOutcomesFailed') {
      throw new ControlError('ERR_UNAVAILABLE', 'signal ids cannot be checked against the database now; nothing was routed', { cause: new Error(reply.reason) });
    }
    const found = new Map(reply.found.map((f) => [`${f.traderId}\u0000${f.id}`, f.outcome]));
    return (traderId, id) => found.get(`${traderId}\u0000${id}`);
  }

  /**
   * Asks persistence for the stored outcomes of `keys`, together with those of every other request made
   * meanwhile: persistence answers one lookup at a time, each a query, so a thousand single-signal
   * requests a second would otherwise queue a thousand queries behind each other. One lookup is asked
   * at a time: the keys of requests made while it is answered go together in the next, sent once it is
   * answered (and, when none is, at the next turn of the event loop), so lookups grow with the load
   * instead of queueing.
   */
  #lookUp(keys: SignalKey[]): Promise<SignalOutcomesReply> {
    if (!this.#lookup) {
      const gathered: SignalKey[] = [];
      const reply = (this.#lastLookup ?? Promise.resolve())
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => {
          this.#lookup = undefined;
          return this.#system
            .request<SignalOutcomesReply>(ADDRESSES.persistence, { type: 'signalOutcomes', keys: gathered })
            .catch((error: Error): SignalOutcomesReply => ({ type: 'signalOutcomesFailed', reason: error.message }));
        });
      this.#lookup = { keys: gathered, reply };
      this.#lastLookup = reply;
    }
    this.#lookup.keys.push(...keys);
    return this.#lookup.reply;
  }

  /**
   * Whether trader `traderId`'s mailbox takes `count` more signals now: yes while what it holds, these
   * included, stays within half its capacity (the other half is room for its candles, fills and what
   * callers already sent), or when it is empty. Otherwise the caller should wait `retryAfterS`, the time
   * the trader needs at its measured pace to work the excess off: `ERR_RATE_LIMITED` while it runs,
   * `ERR_UNAVAILABLE` while it is restarting or starting and takes nothing off its mailbox.
   */
  admit(traderId: string, count: number, now = Date.now()): Admission {
    const address = traderAddress(traderId);
    const status = this.#system.actorStatus(address);
    if (!status) return { ok: true };
    const { load, capacity, acknowledgedLoad } = status.mailbox;
    this.#drainRates.observe(address, acknowledgedLoad, now);
    const half = capacity / 2;
    if (load === 0 || load + count <= half) return { ok: true };
    const retryAfterS = this.#drainRates.waitSeconds(address, load + count - half);
    const queued = `trader "${traderId}" has ${load} signal(s) and messages queued, and takes at most ${half} at once from callers`;
    if (status.state !== 'running') return { ok: false, code: 'ERR_UNAVAILABLE', retryAfterS, reason: `${queued} while it is ${status.state}; retry in ${retryAfterS} s` };
    return { ok: false, code: 'ERR_RATE_LIMITED', retryAfterS, reason: `${queued}; these ${count} would pass that; retry in ${retryAfterS} s` };
  }

  /** Cancels a live order, through its trader; throws `ERR_NOT_FOUND` when no running trader has it live. */
  async cancelOrder(clientOrderId: string): Promise<{ traderId: string; order: TraderStatus['orders'][string] }> {
    for (const summary of await this.traders()) {
      const order = summary.live && own(summary.live.orders, clientOrderId);
      if (!order) continue;
      await this.#send(traderAddress(summary.id), { type: 'cancel', clientOrderIds: [clientOrderId] });
      return { traderId: summary.id, order };
    }
    throw new ControlError('ERR_NOT_FOUND', `no live order "${clientOrderId}"`, { field: 'clientOrderId' });
  }

  async emergencyStop(reason: string): Promise<void> {
    await this.#send(ADDRESSES.risk, { type: 'emergencyStop', reason });
  }

  /**
   * Where every trader stands after an emergency stop: `flat`; `closing` while an exit is under way or
   * not yet started; `unclosed` with each position it could not close and why; `not running` when the
   * trader cannot act on the stop at all (its positions stay as stored).
   */
  async stopReport(): Promise<StopReport[]> {
    return (await this.traders()).map((t): StopReport => {
      const live = t.live;
      if (!live) return { traderId: t.id, state: 'not running', mode: null, closing: [], unclosed: [{ symbol: '*', quantity: null, reason: `the trader is ${t.state}: it could not act on the stop` }] };
      const open = Object.values(live.positions).filter((p) => p.quantity !== 0n);
      const unclosed = Object.entries(live.unclosed).map(([symbol, u]) => ({ symbol, quantity: u.quantity, reason: u.reason }));
      const closing = open.filter((p) => !(p.symbol in live.unclosed)).map((p) => ({ symbol: p.symbol, quantity: p.quantity, exiting: p.symbol in live.exits }));
      for (const symbol of Object.keys(live.exits)) if (!closing.some((c) => c.symbol === symbol)) closing.push({ symbol, quantity: 0n, exiting: true });
      const settled = live.mode === 'halted' && closing.length === 0 && Object.keys(live.orders).length === 0;
      return { traderId: t.id, state: !settled ? 'closing' : unclosed.length > 0 ? 'unclosed' : 'flat', mode: live.mode, closing, unclosed };
    });
  }

  async resume(reason: string, traderId?: string): Promise<void> {
    if (traderId !== undefined) this.#traderConfig(traderId);
    await this.#send(ADDRESSES.risk, { type: 'resume', reason, ...(traderId !== undefined ? { traderId } : {}) });
  }

  async intervene(traderId: string, action: 'halt' | 'reduce-only' | 'close-positions', reason: string): Promise<void> {
    this.#traderConfig(traderId);
    if (this.#stopped.has(traderId)) throw new ControlError('ERR_CONFLICT', `trader "${traderId}" is stopped`);
    await this.#send(ADDRESSES.risk, { type: 'interveneTrader', traderId, action, reason });
  }

  async #launch(trader: TraderConfig, spec: Parameters<ActorSystem['spawn']>[0]): Promise<void> {
    await this.#send(ADDRESSES.risk, { type: 'addTrader', traderId: trader.id, address: traderAddress(trader.id), limits: monitorLimits(trader) });
    await this.#system.spawn(spec, { supervisor: 'traders' });
  }

  async #halt(trader: TraderConfig): Promise<void> {
    // Candles stop first, so the drain ends; the risk manager forgets its exposure.
    await this.#send(exchangeAddress(traderExchange(trader)), { type: 'subscribe', subscriber: traderAddress(trader.id), symbols: [] });
    await this.#send(ADDRESSES.risk, { type: 'removeTrader', traderId: trader.id });
    await this.#system.stopChild(traderAddress(trader.id));
  }

  /**
   * Sends as the runtime's backpressure contract asks: never into a full mailbox (waits for it to drain
   * first, as another request may have filled it), and when this send fills it, waits again before going on.
   */
  async #send(to: Address, message: Message): Promise<void> {
    const full = () => {
      const mailbox = this.#system.actorStatus(to)?.mailbox;
      return mailbox !== undefined && mailbox.load >= mailbox.capacity;
    };
    while (full()) await this.#system.drained(to);
    if (!this.#system.send(to, message)) await this.#system.drained(to);
  }

  /**
   * A cluster node starts and stops traders as it takes and gives up their leases: a stop here would
   * last only until the trader moved, so it is refused, and halting (which the trader keeps) is offered.
   */
  #notClustered(id: string): void {
    if (this.#options.route) throw new ControlError('ERR_CONFLICT', `trader "${id}" runs in a cluster, which starts and stops it with its leases: halt it instead (its halt moves with it), or drain its node`);
  }

  /** Whether trader `id` runs, as `traders()` says it: not stopped by an operator, its actor running. */
  #running(id: string): boolean {
    return !this.#stopped.has(id) && this.#system.actorStatus(traderAddress(id))?.state === 'running';
  }

  #traderConfig(id: string): TraderConfig {
    const trader = this.#config.traders.find((t) => t.id === id);
    if (!trader) throw new ControlError('ERR_NOT_FOUND', `no trader "${id}"`);
    return trader;
  }

  async #summary(trader: TraderConfig, actor: ActorStatus | undefined): Promise<TraderSummary> {
    const stopped = this.#stopped.has(trader.id) || !actor;
    const summary: TraderSummary = {
      id: trader.id,
      state: stopped ? 'stopped' : stateOf(actor),
      exchange: traderExchange(trader),
      strategy: trader.strategy ? { name: trader.strategy.name, type: trader.strategy.type, timeframe: trader.strategy.timeframe } : null,
      symbols: traderSymbols(trader),
      restarts: actor?.restarts ?? 0,
      lastError: actor?.lastError?.message ?? null,
    };
    if (summary.state !== 'running') return summary;
    const live = await this.#system.request<TraderStatus>(traderAddress(trader.id), { type: 'status' }).catch(() => undefined);
    if (live) {
      summary.live = live;
      if (!this.#starting.has(trader.id)) this.#starting.set(trader.id, live.equity);
      summary.pnl = live.equity - this.#starting.get(trader.id)!;
      if (live.dayPnl !== undefined) summary.dayPnl = live.dayPnl;
    }
    return summary;
  }
}

function stateOf(actor: ActorStatus | undefined): TraderSummary['state'] {
  switch (actor?.state) {
    case 'running':
      return 'running';
    case 'idle':
    case 'starting':
      return 'starting';
    case 'crashed':
      return 'restarting';
    case 'failed':
      return 'failed';
    default:
      return 'stopped';
  }
}

/** The quote balance a paper trader starts with; undefined for a real account's, which starts from what the account holds. */
function configuredStart(config: PlatformConfig, trader: TraderConfig): bigint | undefined {
  return config.exchanges[traderExchange(trader)]?.type === 'ccxt' ? undefined : (trader.balances.USDT ?? 0n);
}

/** What a read the database could not answer throws. Its own words (its tables, the values it refused) are for the log, where the API writes a 503's cause. */
function unanswered(error: unknown): ControlError {
  return new ControlError('ERR_UNAVAILABLE', 'the database could not answer; try again', { cause: error });
}

/** `fn` remembering its answer per key, for the span of one call. */
function memo<T>(fn: (key: string) => T): (key: string) => T {
  const answers = new Map<string, T>();
  return (key) => {
    if (!answers.has(key)) answers.set(key, fn(key));
    return answers.get(key)!;
  };
}
