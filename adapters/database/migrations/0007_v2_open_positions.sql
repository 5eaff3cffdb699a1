-- v2's open positions, carried by `botv3 migrate run` as open v3 positions of the trader `v2-<exchange>`:
-- each v2 row once (its id is the key), with the run that carried it, for validation and rollback.
CREATE TABLE migration_carried (
    original_id       BIGINT PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES migration_runs (id),
    trader_id         TEXT NOT NULL,
    symbol            TEXT NOT NULL
);
CREATE INDEX migration_carried_run_idx ON migration_carried (run_id);
