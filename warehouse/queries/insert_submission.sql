INSERT INTO submissions (province_code, period, file_name, original_path, sha256, size_bytes, received_at,
                         template_version, status, teams_rows, segments_rows, awards_rows, errors, warnings,
                         reporting_unit, prepared_by, report_date)
VALUES ($province_code, $period, $file_name, $original_path, $sha256, $size_bytes, $received_at,
        $template_version, $status, $teams_rows, $segments_rows, $awards_rows, $errors, $warnings,
        $reporting_unit, $prepared_by, $report_date)
RETURNING submission_id;
