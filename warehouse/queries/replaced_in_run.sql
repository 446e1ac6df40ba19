-- Of the reports this load superseded (replaced_frame: superseded_id → submission_id), those that arrived in
-- the same ingest run: loaded after the last run that completed. A run killed before it recorded itself is
-- continued by the next one, so its files still count as the same run after a re-run.
SELECT r.submission_id, p.file_name AS replaced_file
FROM replaced_frame r JOIN submissions p ON p.submission_id = r.superseded_id
WHERE p.loaded_at > (SELECT coalesce(max(finished_at), TIMESTAMP '1970-01-01') FROM ingest_runs);
