-- The registry rows of one load (submissions_frame: one row per file, ids reserved from the sequence).
INSERT INTO submissions (submission_id, province_code, period, file_name, original_path, stored_path, sha256,
                         size_bytes, received_at, template_version, status, teams_rows, segments_rows, awards_rows,
                         errors, warnings, reporting_unit, prepared_by, report_date)
SELECT submission_id, province_code, period, file_name, original_path, stored_path, sha256,
       size_bytes, received_at::TIMESTAMP, template_version, status, teams_rows, segments_rows, awards_rows,
       errors, warnings, reporting_unit, prepared_by, report_date::DATE
FROM submissions_frame;
