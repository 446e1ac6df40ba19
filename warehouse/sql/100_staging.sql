-- Staging: the current accepted submission of each province and period, with the current (post-2025)
-- province beside the reporting one. Everything the analysts see is built on this.
CREATE OR REPLACE VIEW stg_current_submissions AS
SELECT s.submission_id, s.period, period_end(s.period) AS period_end, period_kind(s.period) AS period_kind,
       p.current_code AS province_code, cp.name_vi AS province_name,
       s.province_code AS reporting_province_code, p.name_vi AS reporting_province_name,
       s.file_name, s.sha256, s.received_at, s.loaded_at
FROM submissions s
JOIN ref_provinces p ON p.province_code = s.province_code
JOIN ref_provinces cp ON cp.province_code = p.current_code
WHERE s.status = 'accepted';
