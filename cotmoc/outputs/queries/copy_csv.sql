-- A query's rows written by DuckDB as CSV with a header (the BOM is put in front afterwards).
COPY ({select}) TO '{path}' (FORMAT csv, HEADER true)
