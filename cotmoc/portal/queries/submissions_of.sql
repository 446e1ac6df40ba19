-- Every submission of some reporting provinces, newest first (the province's history).
SELECT s.submission_id, s.province_code, s.period, s.file_name, s.sha256, s.received_at, s.loaded_at, s.status,
       s.superseded_by, s.duplicate_of, s.teams_rows, s.segments_rows, s.awards_rows, s.errors, s.warnings,
       s.stored_path, s.prepared_by, st.approval_status
FROM submissions s JOIN stg_submissions st USING (submission_id)
WHERE list_contains($codes, s.province_code)
ORDER BY s.loaded_at DESC, s.submission_id DESC;
