-- Who has not sent an accepted report for the latest ended period, and who was late.
SELECT period, province_name, reporting_province_name, status, errors, received_at, due_date, on_time
FROM completeness
WHERE period = (SELECT max(period) FROM completeness WHERE period NOT LIKE '%S%')
  AND (status <> 'accepted' OR NOT on_time)
ORDER BY status, province_name;
