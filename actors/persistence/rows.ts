import { createHash } from 'node:crypto';
import { fixedToString, toJson } from '../trading/fixed.js';
import type { Order } from '../trading/order.js';
import type { TraderEvent } from '../trader/events.js';

/**
 * Rows as the database takes them: numbers of the trading core as exact decimal text, times as epoch
 * ms. Plain JSON, so a batch goes to the journal as it is.
 */
export interface SignalRow {
  trader_id: string;
  id: string;
  strategy: string | null;
  symbol: string | null;
  action: string | null;
  outcome: 'accepted' | 'skipped' | 'rejected' | 'duplicate';
  reason: string | null;
  field: string | null;
  client_order_id: string | null;
  received_at: number;
}

export interface OrderRow {
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

export interface TradeRow {
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

export interface PositionRow {
  trader_id: string;
  symbol: string;
  quantity: string;
  avg_entry_price: string;
  realized_pnl: string;
  fees: string;
  opened_at: number | null;
  updated_at: number;
}

export interface BalanceRow {
  trader_id: string;
  asset: string;
  free: string;
  total_balance_usd: string;
  timestamp: number;
}

export interface ReviewRow {
  client_order_id: string;
  trader_id: string;
  signal_id: string;
  approved: boolean;
  reason: string;
  reviewed_at: number;
}

export interface EventRow {
  id: string;
  trader_id: string | null;
  kind: string;
  payload: string;
  at: number;
}

export interface TraderModeRow {
  id: string;
  mode: string;
  mode_reason: string;
  updated_at: number;
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

/** Which outcome of a signal id is kept when it comes more than once: a duplicate never hides the first. */
const OUTCOME_RANK: Record<SignalRow['outcome'], number> = { duplicate: 0, rejected: 1, skipped: 2, accepted: 2 };

/**
 * Turns trader and risk events into rows, keeping one row per key: an order's latest state, a
 * position's latest state, an asset's latest balance. One statement per table then never touches a
 * row twice, and a busy order costs one row per batch, not one per event.
 */
export class BatchBuilder {
  readonly #exchangeOf: (traderId: string) => string;
  #signals = new Map<string, SignalRow>();
  #orders = new Map<string, OrderRow>();
  #trades = new Map<string, TradeRow>();
  #positions = new Map<string, PositionRow>();
  #balances = new Map<string, BalanceRow>();
  #reviews = new Map<string, ReviewRow>();
  #events = new Map<string, EventRow>();
  #modes = new Map<string, TraderModeRow>();
  #size = 0;

  constructor(exchangeOf: (traderId: string) => string) {
    this.#exchangeOf = exchangeOf;
  }

  /** Rows held (after merging by key). */
  get size(): number {
    return this.#size;
  }

  /** Adds one trader's events; an event it cannot read becomes an audit row saying so, never an exception. */
  addTraderEvents(traderId: string, events: readonly unknown[]): void {
    for (const event of events) {
      try {
        this.#addTraderEvent(traderId, event as TraderEvent);
      } catch (error) {
        this.#audit(traderId, 'persistence.invalid', { reason: (error as Error).message, event }, Date.now());
      }
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

  #put<T>(map: Map<string, T>, key: string, row: T): void {
    if (!map.has(key)) this.#size++;
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
        this.#signal({ trader_id: traderId, id: event.signalId, strategy: event.strategy, symbol: event.symbol, action: event.action, outcome: 'accepted', reason: null, field: null, client_order_id: event.clientOrderId, received_at: event.at });
        return;
      case 'signal.skipped':
        this.#signal({ trader_id: traderId, id: event.signalId, strategy: event.strategy, symbol: event.symbol, action: event.action, outcome: 'skipped', reason: event.reason, field: null, client_order_id: null, received_at: event.at });
        return;
      case 'signal.rejected':
        if (event.signalId !== undefined) {
          this.#signal({ trader_id: traderId, id: event.signalId, strategy: null, symbol: null, action: null, outcome: 'rejected', reason: event.reason, field: event.field, client_order_id: null, received_at: event.at });
        }
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'signal.duplicate':
        this.#signal({ trader_id: traderId, id: event.signalId, strategy: null, symbol: null, action: null, outcome: 'duplicate', reason: null, field: null, client_order_id: null, received_at: event.at });
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'order':
        this.#put(this.#orders, event.order.clientOrderId, this.#orderRow(event.order));
        return;
      case 'fill': {
        const exchange = this.#exchangeOf(traderId);
        const { fill, position } = event;
        this.#put(this.#trades, `${exchange}\u0000${fill.tradeId}`, {
          exchange,
          trade_id: fill.tradeId,
          client_order_id: event.clientOrderId,
          trader_id: traderId,
          symbol: event.symbol,
          side: event.side === 'buy' ? 'BUY' : 'SELL',
          price: fixedToString(fill.price),
          quantity: fixedToString(fill.quantity),
          fee: fixedToString(fill.fee),
          fee_currency: fill.feeAsset,
          liquidity: fill.liquidity,
          executed_at: event.at,
        });
        this.#put(this.#positions, `${traderId}\u0000${position.symbol}`, {
          trader_id: traderId,
          symbol: position.symbol,
          quantity: fixedToString(position.quantity),
          avg_entry_price: fixedToString(position.avgEntry),
          realized_pnl: fixedToString(position.realizedPnl),
          fees: fixedToString(position.fees),
          opened_at: position.openedAt || null,
          updated_at: event.at,
        });
        return;
      }
      case 'ledger': {
        const equity = fixedToString(event.equity);
        for (const entry of event.entries) {
          this.#put(this.#balances, `${traderId}\u0000${entry.asset}`, { trader_id: traderId, asset: entry.asset, free: fixedToString(entry.balance), total_balance_usd: equity, timestamp: entry.at });
        }
        return;
      }
      case 'review':
        this.#put(this.#reviews, event.clientOrderId, { client_order_id: event.clientOrderId, trader_id: traderId, signal_id: event.signalId, approved: event.approved, reason: event.reason, reviewed_at: event.at });
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'mode':
        this.#put(this.#modes, traderId, { id: traderId, mode: event.mode, mode_reason: event.reason, updated_at: event.at });
        this.#audit(traderId, event.kind, event, event.at);
        return;
      case 'execution.invalid':
      case 'reconciled':
        this.#audit(traderId, event.kind, event, event.at);
        return;
      default:
        throw new Error(`unknown event kind ${JSON.stringify((event as { kind?: unknown }).kind)}`);
    }
  }

  #orderRow(order: Order): OrderRow {
    return {
      client_order_id: order.clientOrderId,
      trader_id: order.traderId,
      signal_id: order.signalId,
      exchange: this.#exchangeOf(order.traderId),
      exchange_order_id: order.exchangeOrderId ?? null,
      symbol: order.symbol,
      side: order.side === 'buy' ? 'BUY' : 'SELL',
      order_type: order.type === 'market' ? 'MARKET' : 'LIMIT',
      price: order.price === undefined ? null : fixedToString(order.price),
      quantity: fixedToString(order.quantity),
      filled_quantity: fixedToString(order.filled),
      filled_notional: fixedToString(order.filledNotional),
      fees: fixedToString(order.fees),
      status: order.status,
      reduce_only: order.reduceOnly,
      reason: order.reason ?? null,
      created_at: order.createdAt,
      updated_at: order.updatedAt,
    };
  }
}

function sorted<T>(rows: Map<string, T>): T[] {
  return [...rows.keys()].sort().map((key) => rows.get(key)!);
}
