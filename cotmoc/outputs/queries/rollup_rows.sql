-- `cotmoc rollup`'s printed tables: the named columns of one national view, of one period or (no period) all.
SELECT {columns} FROM {view} WHERE $period IS NULL OR period = $period ORDER BY ALL;
