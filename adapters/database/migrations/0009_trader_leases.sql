-- A cluster's fencing token per trader: the lease generation of the node that took it last. Each node
-- claims it before starting the trader, and a node's writes of a trader's rows check it under a share
-- lock, so a node that lost the lease (frozen past it, then thawed) writes nothing more of that trader.
CREATE TABLE trader_leases (
    trader_id  TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
