/** The five tables of v2, in the order the migration moves them (orders before the trades that reference them). */
export const V2_TABLES = ['orders', 'trades', 'balances', 'positions', 'signals'] as const;
export type V2Table = (typeof V2_TABLES)[number];

/** A v2 column as `information_schema.columns` describes it. */
export interface V2Column {
  name: string;
  /** `data_type` as information_schema prints it. */
  type: string;
  nullable: boolean;
}

const col = (name: string, type: string, nullable = false): V2Column => ({ name, type, nullable });
const text = 'character varying';
const timestamp = 'timestamp without time zone';

/** The columns the migration reads, as v2's `schema.sql` defines them (`migrate/v2/schema.sql`). */
export const V2_SCHEMA: Record<V2Table, readonly V2Column[]> = {
  orders: [
    col('id', 'integer'), col('exchange', text), col('symbol', text), col('side', text), col('type', text),
    col('price', 'numeric', true), col('stop_price', 'numeric', true), col('quantity', 'numeric'), col('filled_quantity', 'numeric'),
    col('status', text), col('exchange_order_id', text, true), col('strategy', text, true), col('created_at', timestamp), col('updated_at', timestamp, true),
  ],
  trades: [
    col('trade_id', text), col('order_id', 'integer', true), col('exchange', text), col('symbol', text), col('side', text),
    col('price', 'numeric'), col('quantity', 'numeric'), col('fee', 'numeric'), col('fee_currency', text, true), col('executed_at', timestamp),
  ],
  balances: [
    col('id', 'integer'), col('exchange', text), col('asset', text), col('free', 'numeric'), col('locked', 'numeric'),
    col('total_balance_usd', 'numeric', true), col('timestamp', timestamp),
  ],
  positions: [
    col('id', 'integer'), col('exchange', text), col('symbol', text), col('side', text), col('quantity', 'numeric'), col('entry_price', 'numeric'),
    col('unrealized_pnl', 'numeric', true), col('realized_pnl', 'numeric', true), col('opened_at', timestamp), col('closed_at', timestamp, true),
  ],
  signals: [
    col('id', 'integer'), col('strategy', text), col('symbol', text), col('action', text), col('quantity', 'numeric', true),
    col('price', 'numeric', true), col('confidence', 'real', true), col('payload', 'jsonb', true), col('created_at', timestamp), col('processed', 'boolean'),
  ],
};

/** The values v2 wrote into its enumerated columns (its schema's comments). */
export const V2_ENUMS: Record<string, readonly string[]> = {
  'orders.exchange': ['binance', 'bybit', 'okx'],
  'orders.side': ['buy', 'sell'],
  'orders.type': ['market', 'limit', 'stop'],
  'orders.status': ['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected'],
  'trades.exchange': ['binance', 'bybit', 'okx'],
  'trades.side': ['buy', 'sell'],
  'balances.exchange': ['binance', 'bybit', 'okx'],
  'positions.exchange': ['binance', 'bybit', 'okx'],
  'positions.side': ['long', 'short'],
  'signals.action': ['BUY', 'SELL'],
};
