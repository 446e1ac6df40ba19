-- Who owed a report for a period, and what became of it: accepted, rejected (with its error count) or
-- missing; when it arrived and whether that was on time against the deadline in reference data.
CREATE OR REPLACE VIEW completeness AS
WITH latest AS (
    SELECT s.*, row_number() OVER (PARTITION BY province_code, period
                                   ORDER BY (status = 'accepted') DESC, loaded_at DESC, submission_id DESC) AS rank
    FROM submissions s WHERE status IN ('accepted', 'rejected'))
SELECT e.period, p.current_code AS province_code, cp.name_vi AS province_name,
       e.province_code AS reporting_province_code, p.name_vi AS reporting_province_name,
       coalesce(l.status, 'missing') AS status, l.submission_id, l.received_at, e.due_date,
       CASE WHEN l.received_at IS NULL THEN NULL ELSE CAST(l.received_at AS DATE) <= e.due_date END AS on_time,
       CASE WHEN l.status = 'rejected' THEN l.errors END AS errors, l.file_name, l.stored_path
FROM ref_expected_reporters e
JOIN ref_provinces p ON p.province_code = e.province_code
JOIN ref_provinces cp ON cp.province_code = p.current_code
LEFT JOIN latest l ON l.province_code = e.province_code AND l.period = e.period AND l.rank = 1;
