-- 1 when the warehouse records its schema version, 0 when empty or made before versioning.
SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_version';
