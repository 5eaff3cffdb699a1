import { Big } from 'big.js';
import type { V2Table } from '../v2/schema.js';
import type { Row } from './copy-text.js';
import { decimal, enumerated, exchange, Quarantined, required, symbol, utc, utcOrNull, type Notes } from './rules.js';
import type { Column } from './sink.js';

/** The trader every v2 row belongs to: v2 had none. */
export const DEFAULT_TRADER = 'default_trader';

/** Ids v3 gives migrated orders and signals: v2's id behind a prefix no v3 id has. */
export const v2Id = (id: string) => `v2-${id}`;

/** What a row's conversion may consult: the v2 keys of rows already quarantined, by table. */
export interface ConvertContext {
  quarantined: ReadonlyMap<V2Table, ReadonlySet<string>>;
}

/** How one v2 table becomes rows of a v3 table. */
export interface TableSpec {
  table: V2Table;
  /** The v3 table written. */
  target: string;
  /** The v2 key the table is read in order of, in chunks; `text` keys are ordered byte-wise (`COLLATE "C"`) on both sides. */
  key: { column: string; type: 'int' | 'text' };
  /** v2's columns, read in this order; a quarantined row is kept with these. */
  columns: readonly string[];
  /** Derived values read after the columns: `name`, an SQL expression over the row `v` and `joins`. */
  derived?: readonly (readonly [name: string, expression: string])[];
  /** Joined to the row `v` for the derived values. */
  joins?: string;
  /** v3's columns, in the order `convert` returns them. */
  writes: readonly Column[];
  /** v2 row (columns then derived) -> v3 row; throws `Quarantined` for a row v3 cannot take. */
  convert(row: Row, notes: Notes, context: ConvertContext): Row;
}

const SIDES = { buy: 'BUY', sell: 'SELL' };
const ORDER_TYPES = { market: 'MARKET', limit: 'LIMIT', stop: 'STOP' };
/** v3's order statuses; `canceled` is the other spelling of `cancelled`. */
const STATUSES = {
  new: 'new', open: 'open', partially_filled: 'partially_filled', filled: 'filled',
  cancelled: 'cancelled', canceled: 'cancelled', rejected: 'rejected', expired: 'expired',
};
const POSITION_SIDES = { long: 'long', short: 'short' };
const ACTIONS = { buy: 'BUY', sell: 'SELL', close: 'CLOSE' };
const lower = (key: string) => key;
const upper = (key: string) => key.toUpperCase();

const side = (value: string | null, notes: Notes) => enumerated(value, 'side', SIDES, lower, notes);
const orderType = (value: string | null, notes: Notes) => enumerated(value, 'type', ORDER_TYPES, lower, notes);
const status = (value: string | null, notes: Notes) => enumerated(value, 'status', STATUSES, lower, notes);
const positionSide = (value: string | null, notes: Notes) => enumerated(value, 'side', POSITION_SIDES, lower, notes);
const action = (value: string | null, notes: Notes) => enumerated(value, 'action', ACTIONS, upper, notes);
const exchangeOf = (value: string | null, notes: Notes) => exchange(value, 'exchange', notes);

/** How each enumerated v2 column is read (`orders.type`...): the v3 value, or `Quarantined` thrown. */
export const ENUMERATED: Record<string, (value: string | null, notes: Notes) => string> = {
  'orders.exchange': exchangeOf,
  'orders.side': side,
  'orders.type': orderType,
  'orders.status': status,
  'trades.exchange': exchangeOf,
  'trades.side': side,
  'balances.exchange': exchangeOf,
  'positions.exchange': exchangeOf,
  'positions.side': positionSide,
  'signals.action': action,
};

/** The v3 status of a v2 order status, or undefined for one v3 has not (used by validation too). */
export function orderStatus(value: string): string | undefined {
  return STATUSES[value.trim().toLowerCase() as keyof typeof STATUSES];
}

const orders: TableSpec = {
  table: 'orders',
  target: 'orders',
  key: { column: 'id', type: 'int' },
  columns: ['id', 'exchange', 'symbol', 'side', 'type', 'price', 'stop_price', 'quantity', 'filled_quantity', 'status', 'exchange_order_id', 'strategy', 'created_at', 'updated_at'],
  // An order's average fill price in v3 comes from its filled notional, which v2 kept only in its trades.
  derived: [['filled_notional', 'f.notional']],
  joins: 'LEFT JOIN (SELECT order_id, sum(price * quantity) AS notional FROM trades GROUP BY order_id) f ON f.order_id = v.id',
  writes: [
    ['client_order_id', 'text'], ['trader_id', 'text'], ['exchange', 'text'], ['exchange_order_id', 'text'], ['symbol', 'text'], ['side', 'text'],
    ['order_type', 'text'], ['price', 'numeric'], ['stop_price', 'numeric'], ['quantity', 'numeric'], ['filled_quantity', 'numeric'],
    ['filled_notional', 'numeric'], ['status', 'text'], ['strategy', 'text'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['original_id', 'bigint'],
  ],
  convert([id, ex, sym, sideOf, type, price, stopPrice, quantity, filled, statusOf, exchangeOrderId, strategy, createdAt, updatedAt, notional], notes) {
    const typeOf = orderType(type!, notes);
    const qty = decimal(quantity!, 'quantity', 'positive')!;
    const filledQty = decimal(filled!, 'filled_quantity', 'non-negative')!;
    if (new Big(filledQty).gt(qty)) {
      throw new Quarantined('filled_quantity', `filled_quantity ${filledQty} is more than quantity ${qty}`);
    }
    const limit = decimal(price!, 'price', 'positive', typeOf === 'MARKET');
    const stop = decimal(stopPrice!, 'stop_price', 'positive', typeOf !== 'STOP');
    const created = utc(createdAt!, 'created_at');
    let updated = utcOrNull(updatedAt!, 'updated_at');
    if (updated === null) {
      notes.push({ field: 'updated_at', note: 'NULL read as created_at' });
      updated = created;
    }
    return [
      v2Id(id!), DEFAULT_TRADER, exchangeOf(ex!, notes), exchangeOrderId!, symbol(sym!, 'symbol'), side(sideOf!, notes),
      typeOf, limit, stop, qty, filledQty, notional ?? '0', status(statusOf!, notes), strategy!, created, updated, id!,
    ];
  },
};

const trades: TableSpec = {
  table: 'trades',
  target: 'trades',
  key: { column: 'trade_id', type: 'text' },
  columns: ['trade_id', 'order_id', 'exchange', 'symbol', 'side', 'price', 'quantity', 'fee', 'fee_currency', 'executed_at'],
  // v2's foreign key should rule orphans out, but a restored or hand-edited v2 may lack it.
  derived: [['order_missing', 'v.order_id IS NOT NULL AND o.id IS NULL']],
  joins: 'LEFT JOIN orders o ON o.id = v.order_id',
  writes: [
    ['exchange', 'text'], ['trade_id', 'text'], ['client_order_id', 'text'], ['trader_id', 'text'], ['symbol', 'text'], ['side', 'text'],
    ['price', 'numeric'], ['quantity', 'numeric'], ['fee', 'numeric'], ['fee_currency', 'text'], ['executed_at', 'timestamptz'], ['original_id', 'text'],
  ],
  convert([tradeId, orderId, ex, sym, sideOf, price, quantity, fee, feeCurrency, executedAt, orderMissing], notes, context) {
    if (orderMissing === 't') throw new Quarantined('order_id', `order_id ${orderId} is no order of v2 (an orphan)`);
    if (orderId !== null && context.quarantined.get('orders')?.has(orderId!)) throw new Quarantined('order_id', `its order ${orderId} is quarantined`);
    return [
      exchangeOf(ex!, notes), required(tradeId!, 'trade_id'), orderId === null ? null : v2Id(orderId!), DEFAULT_TRADER, symbol(sym!, 'symbol'),
      side(sideOf!, notes), decimal(price!, 'price', 'positive'), decimal(quantity!, 'quantity', 'positive'),
      // A negative fee is a maker rebate, not an error.
      decimal(fee!, 'fee', 'any'), feeCurrency!, utc(executedAt!, 'executed_at'), tradeId!,
    ];
  },
};

const ASSET = /^[A-Z0-9]{1,16}$/;

const balances: TableSpec = {
  table: 'balances',
  target: 'balances',
  key: { column: 'id', type: 'int' },
  columns: ['id', 'exchange', 'asset', 'free', 'locked', 'total_balance_usd', 'timestamp'],
  writes: [
    ['trader_id', 'text'], ['exchange', 'text'], ['asset', 'text'], ['free', 'numeric'], ['locked', 'numeric'], ['total_balance_usd', 'numeric'],
    ['timestamp', 'timestamptz'], ['original_id', 'bigint'],
  ],
  convert([id, ex, asset, free, locked, usd, timestamp], notes) {
    const raw = required(asset!, 'asset');
    const unified = raw.trim().toUpperCase();
    if (!ASSET.test(unified)) throw new Quarantined('asset', `asset ${JSON.stringify(raw)} is not an asset code such as USDT`);
    if (unified !== raw) notes.push({ field: 'asset', note: `${JSON.stringify(raw)} read as ${JSON.stringify(unified)}` });
    return [
      DEFAULT_TRADER, exchangeOf(ex!, notes), unified, decimal(free!, 'free', 'non-negative'), decimal(locked!, 'locked', 'non-negative'),
      decimal(usd!, 'total_balance_usd', 'non-negative', true), utc(timestamp!, 'timestamp'), id!,
    ];
  },
};

const positions: TableSpec = {
  table: 'positions',
  target: 'position_history',
  key: { column: 'id', type: 'int' },
  columns: ['id', 'exchange', 'symbol', 'side', 'quantity', 'entry_price', 'unrealized_pnl', 'realized_pnl', 'opened_at', 'closed_at'],
  writes: [
    ['trader_id', 'text'], ['exchange', 'text'], ['symbol', 'text'], ['side', 'text'], ['quantity', 'numeric'], ['entry_price', 'numeric'],
    ['unrealized_pnl', 'numeric'], ['realized_pnl', 'numeric'], ['opened_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['original_id', 'bigint'],
  ],
  convert([id, ex, sym, sideOf, quantity, entry, unrealized, realized, openedAt, closedAt], notes) {
    const opened = utc(openedAt!, 'opened_at');
    const closed = utcOrNull(closedAt!, 'closed_at');
    // Both are the same fixed-width text, so text order is time order.
    if (closed !== null && closed < opened) throw new Quarantined('closed_at', `closed_at ${closedAt} is before opened_at ${openedAt}`);
    return [
      DEFAULT_TRADER, exchangeOf(ex!, notes), symbol(sym!, 'symbol'), positionSide(sideOf!, notes),
      decimal(quantity!, 'quantity', 'positive'), decimal(entry!, 'entry_price', 'positive'), decimal(unrealized!, 'unrealized_pnl', 'any', true),
      decimal(realized!, 'realized_pnl', 'any', true), opened, closed, id!,
    ];
  },
};

const CONFIDENCE = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/;

const signals: TableSpec = {
  table: 'signals',
  target: 'signals',
  key: { column: 'id', type: 'int' },
  columns: ['id', 'strategy', 'symbol', 'action', 'quantity', 'price', 'confidence', 'payload', 'created_at', 'processed'],
  writes: [
    ['trader_id', 'text'], ['id', 'text'], ['strategy', 'text'], ['symbol', 'text'], ['action', 'text'], ['quantity', 'numeric'], ['price', 'numeric'],
    ['confidence', 'numeric'], ['outcome', 'text'], ['reason', 'text'], ['payload', 'jsonb'], ['received_at', 'timestamptz'], ['original_id', 'bigint'],
  ],
  convert([id, strategy, sym, actionOf, quantity, price, confidence, payload, createdAt, processed], notes) {
    if (confidence !== null && !CONFIDENCE.test(confidence!)) throw new Quarantined('confidence', `confidence is ${confidence}`);
    // v2 recorded only whether its TradeManager took the signal, not what came of it.
    const taken = required(processed!, 'processed') === 't';
    return [
      DEFAULT_TRADER, v2Id(id!), required(strategy!, 'strategy'), symbol(sym!, 'symbol'), action(actionOf!, notes),
      decimal(quantity!, 'quantity', 'positive', true), decimal(price!, 'price', 'positive', true), confidence!, taken ? 'accepted' : 'skipped',
      taken ? 'processed by v2' : 'not processed by v2', payload!, utc(createdAt!, 'created_at'), id!,
    ];
  },
};

/** The tables in the order they are moved. */
export const TABLE_SPECS: readonly TableSpec[] = [orders, trades, balances, positions, signals];
