-- Reads every row of one table (each block's checksum is verified as it is read): the start-of-run check.
SELECT count(*), sum(hash(t)) FROM "{table}" t;
