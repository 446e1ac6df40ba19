-- The columns of one table or view, in order, with their type and comment.
SELECT column_name, data_type, coalesce(comment, '') AS comment
FROM duckdb_columns() WHERE table_name = $name AND schema_name = 'main' ORDER BY column_index;
