-- A v3 signal's row keeps what it asked for: its quantity and price (columns since 0001, NULL until
-- now) and the order type it asked for, spelled as in `orders`. NULL where nothing was asked: v2's
-- signals had no type, and a rejected or duplicate signal asked for nothing that was read.
ALTER TABLE signals ADD COLUMN order_type TEXT CHECK (order_type IN ('MARKET', 'LIMIT'));

-- Balances belong to an account on an exchange: v2's rows have their exchange (0004) and no account
-- (v2 named none); a v3 trader's rows now carry both. Its rows written before were held on the
-- account it is registered on.
ALTER TABLE balances ADD COLUMN account TEXT;
UPDATE balances b SET exchange = t.exchange, account = t.account
FROM traders t
WHERE b.trader_id = t.id AND b.original_id IS NULL;

-- The latest balances are read per trader, exchange, account and asset.
DROP INDEX balances_latest_idx;
CREATE INDEX balances_latest_idx ON balances (trader_id, exchange, account, asset, timestamp DESC);
