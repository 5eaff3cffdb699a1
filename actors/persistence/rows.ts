import { createHash } from 'node:crypto';
import { fixedToString, toJson } from '../trading/fixed.js';
import type { Order } from '../trading/order.js';
import type { Position } from '../trading/position.js';
import type { SignalAsked, TraderEvent } from '../trader/events.js';

/**
 * In a cluster, each row a trader's events make carries the lease generation the trader made them under;
 * the writer drops a row of an older generation than its trader's lease has claimed since (see
 * `writeBatch`). Absent in one process, and on rows of events from elsewhere (the risk manager's).
 */
export interface Fenced {
  generation?: number;
}

/**
 * Rows as the database takes them: numbers of the trading core as exact decimal text, times as epoch
 * ms. Plain JSON, so a batch goes to the journal as it is.
 */
export interface SignalRow extends Fenced {
  trader_id: string;
  id: string;
  strategy: string | null;
  symbol: string | null;
  action: string | null;
  /** What the signal asked for; NULL when it left it to the trader (or was rejected or a duplicate). */
  order_type: 'MARKET' | 'LIMIT' | null;
  quantity: string | null;
  price: string | null;
  outcome: 'accepted' | 'skipped' | 'rejected' | 'duplicate';
  reason: string | null;
  field: string | null;
  client_order_id: string | null;
  received_at: number;
}

export interface OrderRow extends Fenced {
  client_order_id: string;
  trader_id: string;
  signal_id: string;
  exchange: string;
  exchange_order_id: string | null;
  symbol: string;
  side: 'BUY' | 'SELL';
  order_type: 'MARKET' | 'LIMIT';
  price: string | null;
  quantity: string;
  filled_quantity: string;
  filled_notional: string;
  fees: string;
  status: string;
  reduce_only: boolean;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface TradeRow extends Fenced {
  exchange: string;
  trade_id: string;
  client_order_id: string;
  trader_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  fee: string;
  fee_currency: string;
  liquidity: 'maker' | 'taker';
  executed_at: number;
}

export interface PositionRow extends Fenced {
  trader_id: string;
  symbol: string;
  quantity: string;
  avg_entry_price: string;
  realized_pnl: string;
  fees: string;
  /** A swap's funding received (positive) or paid; 0 on spot. */
  funding: string;
  opened_at: number | null;
  /** A swap's funding is booked up to then (see `Position.fundedTo`). */
  funded_to: number | null;
  updated_at: number;
}

export interface BalanceRow extends Fenced {
  trader_id: string;
  /** Where the balance is held: the trader's exchange and account. */
  exchange: string;
  account: string;
  asset: string;
  free: string;
  total_balance_usd: string;
  timestamp: number;
}

/** One verdict: an AI reviewer's (`reviewer` risk or market) or the decision taken (`reviewer` decision). */
export interface ReviewRow extends Fenced {
  client_order_id: string;
  reviewer: string;
  trader_id: string;
  signal_id: string;
  approved: boolean;
  reason: string;
  decided_by: string | null;
  model: string | null;
  prompt_version: string | null;
  confidence: number | null;
  reasons: string | null;
  latency_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  flagged: boolean;
  note: string | null;
  reviewed_at: number;
}

export interface EventRow extends Fenced {
  id: string;
  trader_id: string | null;
  kind: string;
  payload: string;
  at: number;
}

export interface TraderModeRow extends Fenced {
  id: string;
  mode: string;
  mode_reason: string;
  updated_at: number;
}

/** The trader a row belongs to: `trader_id`, or a mode row's `id`; null for a platform-wide event. */
export function traderOfRow(row: object): string | null {
  return 'trader_id' in row ? (row.trader_id as string | null) : (row as TraderModeRow).id;
}

export interface RowBatch {
  signals: SignalRow[];
  orders: OrderRow[];
  trades: TradeRow[];
  positions: PositionRow[];
  balances: BalanceRow[];
  reviews: ReviewRow[];
  events: EventRow[];
  modes: TraderModeRow[];
}

export function rowCount(batch: RowBatch): number {
  let n = 0;
  for (const rows of Object.values(batch)) n += (rows as unknown[]).length;
  return n;
}

const NO_OPINION = { model: null, prompt_version: null, confidence: null, reasons: null, latency_ms: null, input_tokens: null, output_tokens: null };

/** Which outcome of a signal id is kept when it comes more than once: a duplicate never hides the first. */
const OUTCOME_RANK: Record<SignalRow['outcome'], number> = { duplicate: 0, rejected: 1, skipped: 2, accepted: 2 };

/**
 * Turns trader and risk events into rows, keeping one row per key: an order's latest state, a
 * position's latest state, an asset's latest balance. One statement per table then never touches a
 * row twice, and a busy order costs one row per batch, not one per event.
 */
export class BatchBuilder {
  readonly #exchangeOf: (traderId: string) => string;
  readonly #accountOf: (traderId: string) => string;
  /** The generation of the trader events being added (see `Fenced`). */
  #stamp: number | undefined;
  #signals = new Map<string, SignalRow>();
  #orders = new Map<string, OrderRow>();
  #trades = new Map<string, TradeRow>();
  #positions = new Map<string, PositionRow>();
  #balances = new Map<string, BalanceRow>();
  #reviews = new Map<string, ReviewRow>();
  #events = new Map<string, EventRow>();
  #modes = new Map<string, TraderModeRow>();
  #size = 0;

  /** `accountOf` defaults as a trader's `account` does in the config: the trader's id. */
  constructor(exchangeOf: (traderId: string) => string, accountOf: (traderId: string) => string = (traderId) => traderId) {
    this.#exchangeOf = exchangeOf;
    this.#accountOf = accountOf;
  }

  /** Rows held (after merging by key). */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds one trader's events, made under lease `generation` in a cluster (each row they make carries it,
   * see `Fenced`); an event it cannot read becomes an audit row saying so, never an exception.
   */
  addTraderEvents(traderId: string, events: readonly unknown[], generation?: number): void {
    this.#stamp = generation;
    try {
      for (const event of events) {
        try {
          this.#addTraderEvent(traderId, event as TraderEvent);
        } catch (error) {
          this.#audit(traderId, 'persistence.invalid', { reason: (error as Error).message, event }, Date.now());
        }
      }
    } finally {
      this.#stamp = undefined;
    }
  }

  /** Risk manager interventions and the platform's own alerts: audit rows. */
  addAudit(traderId: string | null, kind: string, payload: unknown, at: number): void {
    this.#audit(traderId, kind, payload, at);
  }

  /**
   * The rows held, each table's in key order: batches written side by side then lock shared rows in
   * the same order, so they wait for each other instead of deadlocking.
   */
  take(): RowBatch {
    const batch: RowBatch = {
      signals: sorted(this.#signals),
      orders: sorted(this.#orders),
      trades: sorted(this.#trades),
      positions: sorted(this.#positions),
      balances: sorted(this.#balances),
      reviews: sorted(this.#reviews),
      events: sorted(this.#events),
      modes: sorted(this.#modes),
    };
    for (const map of [this.#signals, this.#orders, this.#trades, this.#positions, this.#balances, this.#reviews, this.#events, this.#modes]) map.clear();
    this.#size = 0;
    return batch;
  }

  #put<T extends Fenced>(map: Map<string, T>, key: string, row: T): void {
    if (!map.has(key)) this.#size++;
    if (this.#stamp !== undefined) row.generation = this.#stamp;
    map.set(key, row);
  }

  #signal(row: SignalRow): void {
    const key = `${row.trader_id}\u0000${row.id}`;
    const kept = this.#signals.get(key);
    if (!kept || OUTCOME_RANK[row.outcome] >= OUTCOME_RANK[kept.outcome]) this.#put(this.#signals, key, row);
  }

  #audit(traderId: string | null, kind: string, payload: unknown, at: number): void {
    const json = toJson(payload);
    // Derived from the content, so the same event written twice (a replayed journal) is one row.
    const id = createHash('sha1').update(`${traderId}\u0000${kind}\u0000${at}\u0000${json}`).digest('base64url');
    this.#put(this.#events, id, { id, trader_id: traderId, kind, payload: json, at });
  }

  #addTraderEvent(traderId: string, event: TraderEvent): void {
    switch (event.kind) {
      case 'signal.accepted':
        this.#signal({ ...askedRow(traderId, event), outcome: 'accepted', reason: null, client_order_id: event.clientOrderId });
        return;
      case 'signal.skipped':
        this.#signal({ ...askedRow(traderId, event), outcome: 'skipped', reason: event.reason, client_order_id: null });
        return;
      case 'signal.rejected':
        if (event.signalId !== undefined) {
          this.#signal({ trader_id: traderId, id: event.signalId, strategy: null, symbol: null, action: null, ...NOTHING_ASKED, outcome: 'rejected', reason: event.reason, field: event.field, client_order_id: null, received_at: event.at });
        }
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'signal.duplicate':
        this.#signal({ trader_id: traderId, id: event.signalId, strategy: null, symbol: null, action: null, ...NOTHING_ASKED, outcome: 'duplicate', reason: null, field: null, client_order_id: null, received_at: event.at });
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'order':
        this.#put(this.#orders, event.order.clientOrderId, this.#orderRow(event.order));
        return;
      case 'fill': {
        const exchange = this.#exchangeOf(traderId);
        const { fill, position } = event;
        // Both rows are built before either is kept: a malformed event adds nothing.
        const trade: TradeRow = {
          exchange,
          trade_id: text(fill.tradeId, 'fill.tradeId'),
          client_order_id: text(event.clientOrderId, 'clientOrderId'),
          trader_id: traderId,
          symbol: text(event.symbol, 'symbol'),
          side: side(event.side, 'side'),
          price: decimal(fill.price, 'fill.price'),
          quantity: decimal(fill.quantity, 'fill.quantity'),
          fee: decimal(fill.fee, 'fill.fee'),
          fee_currency: fill.feeAsset,
          liquidity: oneOf(fill.liquidity, LIQUIDITY, 'fill.liquidity'),
          executed_at: event.at,
        };
        const row = positionRow(traderId, position, event.at);
        this.#put(this.#trades, `${exchange}\u0000${trade.trade_id}`, trade);
        this.#put(this.#positions, `${traderId}\u0000${row.symbol}`, row);
        return;
      }
      case 'funding': {
        const row = positionRow(traderId, event.position, event.at);
        this.#put(this.#positions, `${traderId}\u0000${row.symbol}`, row);
        this.#audit(traderId, event.kind, event, event.at);
        return;
      }
      case 'positions.adopted': {
        const rows = event.positions.map((p) => positionRow(traderId, p, event.at));
        for (const row of rows) this.#put(this.#positions, `${traderId}\u0000${row.symbol}`, row);
        this.#audit(traderId, event.kind, event, event.at);
        return;
      }
      case 'ledger': {
        const equity = decimal(event.equity, 'equity');
        const held = { trader_id: traderId, exchange: this.#exchangeOf(traderId), account: this.#accountOf(traderId) };
        const rows = event.entries.map(
          (entry): BalanceRow => ({ ...held, asset: text(entry.asset, 'entries.asset'), free: decimal(entry.balance, 'entries.balance'), total_balance_usd: equity, timestamp: entry.at }),
        );
        for (const row of rows) this.#put(this.#balances, `${traderId}\u0000${row.asset}`, row);
        return;
      }
      case 'review': {
        const common = { client_order_id: event.clientOrderId, trader_id: traderId, signal_id: event.signalId, reviewed_at: event.at };
        this.#put(this.#reviews, `${event.clientOrderId}\u0000decision`, {
          ...common,
          ...NO_OPINION,
          reviewer: 'decision',
          approved: event.approved,
          reason: event.reason,
          decided_by: event.by,
          flagged: event.flagged,
          note: event.note ?? null,
        });
        for (const o of event.opinions ?? []) {
          this.#put(this.#reviews, `${event.clientOrderId}\u0000${o.reviewer}`, {
            ...common,
            reviewer: o.reviewer,
            approved: o.verdict === 'approve',
            reason: o.reasons.join('; '),
            decided_by: null,
            model: o.model,
            prompt_version: o.promptVersion,
            confidence: o.confidence,
            reasons: JSON.stringify(o.reasons),
            latency_ms: o.latencyMs,
            input_tokens: o.inputTokens,
            output_tokens: o.outputTokens,
            flagged: false,
            note: null,
          });
        }
        this.#audit(traderId, event.kind, event, event.at);
        return;
      }
      case 'mode':
        this.#put(this.#modes, traderId, { id: traderId, mode: event.mode, mode_reason: event.reason, updated_at: event.at });
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'execution.invalid':
      case 'reconciled':
      case 'order.fenced':
      case 'exit':
      case 'liquidation':
      case 'positions.mismatch':
        this.#audit(traderId, event.kind, event, event.at);
        return;
      default:
        throw new Error(`unknown event kind ${JSON.stringify((event as { kind?: unknown }).kind)}`);
    }
  }

  #orderRow(order: Order): OrderRow {
    return {
      client_order_id: text(order.clientOrderId, 'order.clientOrderId'),
      trader_id: text(order.traderId, 'order.traderId'),
      signal_id: order.signalId,
      exchange: this.#exchangeOf(order.traderId),
      exchange_order_id: order.exchangeOrderId ?? null,
      symbol: text(order.symbol, 'order.symbol'),
      side: side(order.side, 'order.side'),
      order_type: orderType(order.type, 'order.type'),
      price: order.price === undefined ? null : decimal(order.price, 'order.price'),
      quantity: decimal(order.quantity, 'order.quantity'),
      filled_quantity: decimal(order.filled, 'order.filled'),
      filled_notional: decimal(order.filledNotional, 'order.filledNotional'),
      fees: decimal(order.fees, 'order.fees'),
      status: oneOf(order.status, ORDER_STATUSES, 'order.status'),
      reduce_only: order.reduceOnly,
      reason: order.reason ?? null,
      created_at: order.createdAt,
      updated_at: order.updatedAt,
    };
  }
}

const NOTHING_ASKED = { order_type: null, quantity: null, price: null } as const;

/**
 * A signal's row less its outcome: what it asked for, as it asked. The schema takes a NULL order type,
 * quantity or price, so an event without one stores NULL; one it has must be valid.
 */
function askedRow(traderId: string, event: SignalAsked & { at: number }): Omit<SignalRow, 'outcome' | 'reason' | 'client_order_id'> {
  return {
    trader_id: traderId,
    id: text(event.signalId, 'signalId'),
    strategy: event.strategy,
    symbol: event.symbol,
    action: oneOf(event.action, ACTIONS, 'action'),
    order_type: event.orderType === undefined ? null : orderType(event.orderType, 'orderType'),
    quantity: event.quantity === undefined ? null : decimal(event.quantity, 'quantity'),
    price: event.price === undefined ? null : decimal(event.price, 'price'),
    field: null,
    received_at: event.at,
  };
}

function sorted<T>(rows: Map<string, T>): T[] {
  return [...rows.keys()].sort().map((key) => rows.get(key)!);
}

/*
 * Checks of what the schema constrains, so a malformed event from another actor becomes an audit row
 * naming its field instead of a batch the database refuses.
 */
const ACTIONS = new Set(['BUY', 'SELL', 'CLOSE']);
const LIQUIDITY = new Set(['maker', 'taker']);
const ORDER_TYPES = new Set(['market', 'limit']);
const ORDER_STATUSES = new Set(['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired']);

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${field}: expected text, got ${JSON.stringify(value)}`);
  return value;
}

function decimal(value: unknown, field: string): string {
  if (typeof value !== 'bigint') throw new Error(`${field}: expected a fixed-point amount, got ${typeof value}`);
  return fixedToString(value);
}

function oneOf<T extends string>(value: T, allowed: ReadonlySet<string>, field: string): T {
  if (!allowed.has(value)) throw new Error(`${field}: ${JSON.stringify(value)} is not one of ${[...allowed].join(', ')}`);
  return value;
}

/** The trading core's order type as the schema spells it. */
function orderType(value: 'market' | 'limit', field: string): 'MARKET' | 'LIMIT' {
  return oneOf(value, ORDER_TYPES, field) === 'market' ? 'MARKET' : 'LIMIT';
}

function side(value: unknown, field: string): 'BUY' | 'SELL' {
  if (value === 'buy') return 'BUY';
  if (value === 'sell') return 'SELL';
  throw new Error(`${field}: ${JSON.stringify(value)} is not buy or sell`);
}

/** A position's row; a malformed position throws naming its field, before anything is kept. */
function positionRow(traderId: string, position: Position, at: number): PositionRow {
  return {
    trader_id: traderId,
    symbol: text(position.symbol, 'position.symbol'),
    quantity: decimal(position.quantity, 'position.quantity'),
    avg_entry_price: decimal(position.avgEntry, 'position.avgEntry'),
    realized_pnl: decimal(position.realizedPnl, 'position.realizedPnl'),
    fees: decimal(position.fees, 'position.fees'),
    funding: decimal(position.funding ?? 0n, 'position.funding'),
    opened_at: position.openedAt || null,
    funded_to: position.fundedTo ?? null,
    updated_at: at,
  };
}
