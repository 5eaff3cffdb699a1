-- A rejected signal may lack its strategy, symbol or action (that can be why it was rejected): those
-- columns become optional, and `field` names what was wrong with it. Balances are written per asset as
-- they change, so the latest row of each asset is the current balance.

ALTER TABLE signals ALTER COLUMN strategy DROP NOT NULL;
ALTER TABLE signals ALTER COLUMN symbol DROP NOT NULL;
ALTER TABLE signals ALTER COLUMN action DROP NOT NULL;
ALTER TABLE signals ADD COLUMN field TEXT;
ALTER TABLE signals ADD COLUMN client_order_id TEXT;

CREATE INDEX balances_latest_idx ON balances (trader_id, asset, timestamp DESC);
