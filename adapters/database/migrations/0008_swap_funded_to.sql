-- Perpetual swaps: the exchange's time of the last funding payment booked on a position, or from when
-- its trader took it over. After a restart the trader asks the exchange for funding from there, and a
-- payment at or before it is not booked again.
ALTER TABLE positions ADD COLUMN funded_to TIMESTAMPTZ;
