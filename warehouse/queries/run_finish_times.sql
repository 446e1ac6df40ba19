SELECT finished_at FROM ingest_runs ORDER BY finished_at;
