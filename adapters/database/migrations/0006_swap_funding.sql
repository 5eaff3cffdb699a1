-- Perpetual swaps: the funding a position received (positive) or paid, beside its realized P&L and fees.
ALTER TABLE positions ADD COLUMN funding NUMERIC(38, 9) NOT NULL DEFAULT 0;
