-- The columns of every table and view of the warehouse, in order (one query for the data dictionary's comments).
SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index;
