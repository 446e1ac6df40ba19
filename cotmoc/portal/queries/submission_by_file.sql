-- The submission the ingest made of one file handed over by the portal: same bytes, same inbox path.
SELECT submission_id, status, errors, warnings, loaded_at, superseded_by, duplicate_of, stored_path,
       teams_rows, segments_rows, awards_rows
FROM submissions WHERE sha256 = $sha256 AND original_path = $path
ORDER BY submission_id DESC LIMIT 1;
