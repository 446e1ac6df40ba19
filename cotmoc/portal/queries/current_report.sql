-- The report a new one for this province and period would supersede (the current accepted one).
SELECT submission_id, file_name, received_at, loaded_at FROM stg_current_submissions
WHERE reporting_province_code = $province AND period = $period;
