-- The v3 schema. Money and quantities are NUMERIC(38, 9): the platform's fixed-point units (1e-9),
-- exact, never float. Times are timestamptz. Rows the trading core reports are keyed by its own ids
-- (client order id, trade id, signal id), so writing an event twice changes nothing.

CREATE TABLE traders (
    id            TEXT PRIMARY KEY,
    exchange      TEXT NOT NULL,
    account       TEXT NOT NULL,
    mode          TEXT NOT NULL DEFAULT 'active' CHECK (mode IN ('active', 'reduce-only', 'halted')),
    mode_reason   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE strategies (
    trader_id     TEXT PRIMARY KEY REFERENCES traders (id),
    name          TEXT NOT NULL,
    type          TEXT NOT NULL,
    symbols       TEXT[] NOT NULL,
    timeframe     TEXT NOT NULL,
    params        JSONB NOT NULL DEFAULT '{}',
    risk_params   JSONB NOT NULL DEFAULT '{}',
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE signals (
    trader_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    strategy      TEXT NOT NULL,
    symbol        TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('BUY', 'SELL', 'CLOSE')),
    quantity      NUMERIC(38, 9),
    price         NUMERIC(38, 9),
    -- accepted (an order was made), skipped, rejected or duplicate, with the reason
    outcome       TEXT NOT NULL CHECK (outcome IN ('accepted', 'skipped', 'rejected', 'duplicate')),
    reason        TEXT,
    payload       JSONB,
    received_at   TIMESTAMPTZ NOT NULL,
    original_id   BIGINT,                    -- v2 signals.id, for migrated rows
    PRIMARY KEY (trader_id, id)
);
CREATE INDEX signals_received_idx ON signals (trader_id, received_at DESC);

CREATE TABLE orders (
    client_order_id   TEXT PRIMARY KEY,
    trader_id         TEXT NOT NULL,
    signal_id         TEXT,
    exchange          TEXT NOT NULL,
    exchange_order_id TEXT,
    symbol            TEXT NOT NULL,
    side              TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    order_type        TEXT NOT NULL CHECK (order_type IN ('MARKET', 'LIMIT', 'STOP')),
    price             NUMERIC(38, 9),
    stop_price        NUMERIC(38, 9),
    quantity          NUMERIC(38, 9) NOT NULL,
    filled_quantity   NUMERIC(38, 9) NOT NULL DEFAULT 0,
    filled_notional   NUMERIC(38, 9) NOT NULL DEFAULT 0,
    fees              NUMERIC(38, 9) NOT NULL DEFAULT 0,
    status            TEXT NOT NULL CHECK (status IN ('new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')),
    reduce_only       BOOLEAN NOT NULL DEFAULT false,
    reason            TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    original_id       BIGINT                 -- v2 orders.id, for migrated rows
);
CREATE INDEX orders_trader_idx ON orders (trader_id, created_at DESC);
CREATE INDEX orders_open_idx ON orders (trader_id) WHERE status IN ('new', 'open', 'partially_filled');

CREATE TABLE trades (
    exchange          TEXT NOT NULL,
    trade_id          TEXT NOT NULL,
    client_order_id   TEXT REFERENCES orders (client_order_id),
    trader_id         TEXT NOT NULL,
    symbol            TEXT NOT NULL,
    side              TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price             NUMERIC(38, 9) NOT NULL,
    quantity          NUMERIC(38, 9) NOT NULL,
    fee               NUMERIC(38, 9) NOT NULL DEFAULT 0,
    fee_currency      TEXT,
    liquidity         TEXT CHECK (liquidity IN ('maker', 'taker')),
    executed_at       TIMESTAMPTZ NOT NULL,
    original_id       TEXT,                  -- v2 trades.trade_id, for migrated rows
    PRIMARY KEY (exchange, trade_id)
);
CREATE INDEX trades_trader_idx ON trades (trader_id, executed_at DESC);

-- The latest state of each position; history is in trades and events.
CREATE TABLE positions (
    trader_id         TEXT NOT NULL,
    symbol            TEXT NOT NULL,
    quantity          NUMERIC(38, 9) NOT NULL,
    avg_entry_price   NUMERIC(38, 9) NOT NULL,
    realized_pnl      NUMERIC(38, 9) NOT NULL DEFAULT 0,
    fees              NUMERIC(38, 9) NOT NULL DEFAULT 0,
    opened_at         TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (trader_id, symbol)
);

-- Balance snapshots: one snapshot is the rows sharing a timestamp, as in v2.
CREATE TABLE balances (
    trader_id         TEXT NOT NULL,
    asset             TEXT NOT NULL,
    free              NUMERIC(38, 9) NOT NULL,
    locked            NUMERIC(38, 9) NOT NULL DEFAULT 0,
    total_balance_usd NUMERIC(38, 9),
    timestamp         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (trader_id, asset, timestamp)
);

CREATE TABLE reviews (
    client_order_id   TEXT PRIMARY KEY,
    trader_id         TEXT NOT NULL,
    signal_id         TEXT,
    approved          BOOLEAN NOT NULL,
    reason            TEXT NOT NULL,
    model             TEXT,
    reviewed_at       TIMESTAMPTZ NOT NULL
);

-- The audit log: every event the platform reported, once (its id is derived from the event).
CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    trader_id         TEXT,
    kind              TEXT NOT NULL,
    payload           JSONB NOT NULL,
    at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_trader_idx ON events (trader_id, at DESC);
CREATE INDEX events_kind_idx ON events (kind, at DESC);
