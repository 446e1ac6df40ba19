-- The columns of one view, in order: name, type and its 'Vietnamese — English' comment.
SELECT column_name, data_type, coalesce(comment, '') AS comment
FROM duckdb_columns() WHERE table_name = $view AND schema_name = 'main' ORDER BY column_index;
