-- Room for the data of BOT Trading v2 (`botv3 migrate run`) next to v3's own. Every migrated row keeps
-- its v2 id in `original_id` (unique, so a row can never be migrated twice); v2 columns v3 lacked get
-- columns of their own rather than being dropped. v2 balances are per exchange and carry 10 decimals,
-- so balances gain `exchange` and a scale of 10; v3's own rows stay unique per trader, asset and time.
-- v2 positions are a history (many rows per symbol, opened and closed), kept in `position_history`.

ALTER TABLE orders ADD COLUMN strategy TEXT;
-- v2 kept confidence as a float4; its printed value is stored exactly, keeping the schema free of floats.
ALTER TABLE signals ADD COLUMN confidence NUMERIC;

ALTER TABLE balances DROP CONSTRAINT balances_pkey;
ALTER TABLE balances
    ALTER COLUMN free TYPE NUMERIC(39, 10),
    ALTER COLUMN locked TYPE NUMERIC(39, 10),
    ADD COLUMN exchange TEXT,
    ADD COLUMN original_id BIGINT;
CREATE UNIQUE INDEX balances_own_key ON balances (trader_id, asset, timestamp) WHERE original_id IS NULL;

CREATE TABLE position_history (
    trader_id         TEXT NOT NULL,
    exchange          TEXT NOT NULL,
    symbol            TEXT NOT NULL,
    side              TEXT NOT NULL CHECK (side IN ('long', 'short')),
    quantity          NUMERIC(38, 9) NOT NULL,
    entry_price       NUMERIC(38, 9) NOT NULL,
    unrealized_pnl    NUMERIC(38, 9),
    realized_pnl      NUMERIC(38, 9),
    opened_at         TIMESTAMPTZ NOT NULL,
    closed_at         TIMESTAMPTZ,
    original_id       BIGINT NOT NULL
);
CREATE INDEX position_history_trader_idx ON position_history (trader_id, opened_at DESC);

CREATE UNIQUE INDEX orders_original_idx ON orders (original_id) WHERE original_id IS NOT NULL;
CREATE UNIQUE INDEX trades_original_idx ON trades (original_id) WHERE original_id IS NOT NULL;
CREATE UNIQUE INDEX signals_original_idx ON signals (original_id) WHERE original_id IS NOT NULL;
CREATE UNIQUE INDEX balances_original_idx ON balances (original_id) WHERE original_id IS NOT NULL;
CREATE UNIQUE INDEX position_history_original_idx ON position_history (original_id);

-- One row per `migrate run`; a run's rows are the key ranges of its chunks, each committed with its rows.
CREATE TABLE migration_runs (
    id                SERIAL PRIMARY KEY,
    source            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'rolled_back')),
    created_trader    BOOLEAN NOT NULL DEFAULT false,
    error             TEXT,
    started_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ
);

CREATE TABLE migration_chunks (
    seq               BIGSERIAL PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES migration_runs (id),
    table_name        TEXT NOT NULL,
    from_key          TEXT,
    to_key            TEXT NOT NULL,
    rows              INTEGER NOT NULL,
    quarantined       INTEGER NOT NULL,
    committed_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX migration_chunks_table_idx ON migration_chunks (table_name, seq DESC);

-- v2 rows that break v3's rules, whole (every column as v2 printed it), with the field and the reason.
CREATE TABLE migration_quarantine (
    run_id            INTEGER NOT NULL REFERENCES migration_runs (id),
    table_name        TEXT NOT NULL,
    original_id       TEXT NOT NULL,
    field             TEXT NOT NULL,
    reason            TEXT NOT NULL,
    row               JSONB NOT NULL,
    PRIMARY KEY (table_name, original_id)
);

-- v2 rows carried over with a value read differently (an upper-case type, a NULL update time), and how.
CREATE TABLE migration_notes (
    run_id            INTEGER NOT NULL REFERENCES migration_runs (id),
    table_name        TEXT NOT NULL,
    original_id       TEXT NOT NULL,
    field             TEXT NOT NULL,
    note              TEXT NOT NULL,
    PRIMARY KEY (table_name, original_id, field)
);
