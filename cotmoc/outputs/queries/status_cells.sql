-- `cotmoc status`: one cell per expected province and period, in the Vietnamese order of the row's label
-- ("Đồng Nai" then "Đồng Nai (Bình Phước)": a merged province, then its former provinces).
SELECT period, province_code, province_name, reporting_province_code, reporting_province_name, status,
       errors, received_at, due_date, on_time, file_name, stored_path, days_after_deadline,
       approval_status, approved_at, held, submission_id
FROM completeness
WHERE list_contains($periods, period)
ORDER BY province_name COLLATE vi, province_name <> reporting_province_name, reporting_province_name COLLATE vi,
         period_end(period), period;
