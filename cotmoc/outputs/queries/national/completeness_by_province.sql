-- National report, sheet Tinh_hinh_nop: who owed a report and what became of it; rejected and missing first.
SELECT province_name, reporting_province_name, status, received_at, due_date, on_time, errors
FROM completeness
WHERE period = $period
ORDER BY CASE status WHEN 'rejected' THEN 0 WHEN 'missing' THEN 1 ELSE 2 END,
         province_name COLLATE vi, reporting_province_name COLLATE vi;
