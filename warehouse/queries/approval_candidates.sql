-- The current accepted submission of each reporting province for $period, with the approval state of its
-- period; $codes (NULL: every province) picks provinces by reporting or current (post-2025) code, so that a
-- merged province covers its old provinces' reports.
SELECT submission_id, reporting_province_code AS province_code, province_code AS current_code, period,
       approval_status, approved_at, file_name
FROM stg_current_submissions
WHERE period = $period
  AND ($codes IS NULL OR list_contains($codes, reporting_province_code) OR list_contains($codes, province_code))
ORDER BY reporting_province_code;
