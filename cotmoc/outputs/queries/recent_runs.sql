-- `cotmoc status`: the last five ingest runs.
SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT 5;
