-- Every submission of some reporting provinces, newest first (the province's history).
SELECT submission_id, province_code, period, file_name, sha256, received_at, loaded_at, status, superseded_by,
       duplicate_of, teams_rows, segments_rows, awards_rows, errors, warnings, stored_path, prepared_by
FROM submissions WHERE list_contains($codes, province_code)
ORDER BY loaded_at DESC, submission_id DESC;
