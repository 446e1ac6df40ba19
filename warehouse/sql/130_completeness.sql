-- Who owed a report for a period, and what became of it: accepted, rejected (with its error count) or
-- missing; when it arrived and whether that was on time against the deadline in reference data.
-- Timeliness as DHIS2 counts it: the FIRST report that passed the checks (accepted, superseded since, or
-- held) counts, so a correction sent after the deadline does not make an on-time province late; it is on
-- time when it arrived no later than the deadline plus the schedule's grace days. days_after_deadline is
-- negative for a report sent early. A rejected report is not a report: it has no timeliness.
CREATE OR REPLACE VIEW completeness AS
WITH latest AS (
    SELECT s.*, row_number() OVER (PARTITION BY province_code, period
                                   ORDER BY (status = 'accepted') DESC, loaded_at DESC, submission_id DESC) AS rank
    FROM submissions s WHERE status IN ('accepted', 'rejected')),
first_report AS (
    SELECT province_code, period, min(received_at) AS first_received_at
    FROM submissions WHERE status IN ('accepted', 'superseded', 'held') GROUP BY province_code, period),
held AS (
    SELECT province_code, period, count(*) AS held FROM submissions WHERE status = 'held' GROUP BY province_code, period)
SELECT e.period, p.current_code AS province_code, cp.name_vi AS province_name,
       e.province_code AS reporting_province_code, p.name_vi AS reporting_province_name,
       coalesce(l.status, 'missing') AS status, l.submission_id, l.received_at, e.due_date,
       CAST(f.first_received_at AS DATE) <= e.due_date + coalesce(r.grace_days, 0) AS on_time,
       CASE WHEN l.status = 'rejected' THEN l.errors END AS errors, l.file_name, l.stored_path,
       f.first_received_at, date_diff('day', e.due_date, CAST(f.first_received_at AS DATE)) AS days_after_deadline,
       coalesce(r.grace_days, 0) AS grace_days, coalesce(c.approval_status, 'not_approved') AS approval_status,
       c.approved_at, coalesce(h.held, 0) AS held
FROM ref_expected_reporters e
JOIN ref_provinces p ON p.province_code = e.province_code
JOIN ref_provinces cp ON cp.province_code = p.current_code
LEFT JOIN ref_reporting_schedule r ON r.period_kind = period_kind(e.period)
LEFT JOIN latest l ON l.province_code = e.province_code AND l.period = e.period AND l.rank = 1
LEFT JOIN first_report f ON f.province_code = e.province_code AND f.period = e.period
LEFT JOIN stg_current_submissions c ON c.submission_id = l.submission_id
LEFT JOIN held h ON h.province_code = e.province_code AND h.period = e.period;

-- Reporting rates per period, as DHIS2 defines them: reports received / reports expected, the same for
-- those on time, and for those approved (approval_status = 'approved' now). Fractions in [0, 1].
CREATE OR REPLACE VIEW reporting_rates AS
SELECT period, count(*) AS expected_reports,
       count(*) FILTER (WHERE status = 'accepted') AS actual_reports,
       count(*) FILTER (WHERE on_time) AS actual_reports_on_time,
       count(*) FILTER (WHERE approval_status = 'approved') AS approved_reports,
       round(count(*) FILTER (WHERE status = 'accepted') / count(*), 6)::DOUBLE AS reporting_rate,
       round(count(*) FILTER (WHERE on_time) / count(*), 6)::DOUBLE AS reporting_rate_on_time,
       round(count(*) FILTER (WHERE approval_status = 'approved') / count(*), 6)::DOUBLE AS reporting_rate_approved
FROM completeness GROUP BY period;
