-- `cotmoc status`: the reports held because their period is approved and locked (cotmoc approve), waiting
-- for an unlock.
SELECT submission_id, reporting_province_code, reporting_province_name, period, file_name, sha256, stored_path,
       received_at
FROM stg_submissions
WHERE status = 'held' AND list_contains($periods, period)
ORDER BY period, reporting_province_code, submission_id;
