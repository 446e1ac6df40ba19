-- Approval state of each reporting province's period, read from the trail (approval_events): the submission
-- of its latest approval, when and by whom, and whether it is still locked (its latest approve/unlock step is
-- an approval). A province's period without any approval is absent.
CREATE OR REPLACE VIEW stg_approvals AS
WITH approvals AS (
    SELECT province_code, period, submission_id, event_at, actor, reason,
           row_number() OVER (PARTITION BY province_code, period ORDER BY event_id DESC) AS nth
    FROM approval_events WHERE action = 'approve'),
locks AS (
    SELECT province_code, period, action,
           row_number() OVER (PARTITION BY province_code, period ORDER BY event_id DESC) AS nth
    FROM approval_events WHERE action IN ('approve', 'unlock'))
SELECT a.province_code, a.period, a.submission_id AS approved_submission_id, a.event_at AS approved_at,
       a.actor AS approved_by, a.reason AS approval_note, l.action = 'approve' AS locked
FROM approvals a
JOIN locks l ON l.province_code = a.province_code AND l.period = a.period AND l.nth = 1
WHERE a.nth = 1;

-- Every submission with its period, its current (post-2025) province beside the reporting one, and the
-- approval state of its province's period: `approved` when it is the approved submission and the period is
-- still locked, `changed_since_approval` once the period was approved and then unlocked (until it is
-- approved again), `not_approved` otherwise.
CREATE OR REPLACE VIEW stg_submissions AS
SELECT s.submission_id, s.period, period_end(s.period) AS period_end, period_kind(s.period) AS period_kind,
       p.current_code AS province_code, cp.name_vi AS province_name,
       s.province_code AS reporting_province_code, p.name_vi AS reporting_province_name,
       s.file_name, s.sha256, s.received_at, s.loaded_at, s.status, s.stored_path,
       CASE WHEN a.locked AND a.approved_submission_id = s.submission_id THEN 'approved'
            WHEN a.province_code IS NOT NULL THEN 'changed_since_approval'
            ELSE 'not_approved' END AS approval_status,
       a.approved_at, a.approved_submission_id
FROM submissions s
JOIN ref_provinces p ON p.province_code = s.province_code
JOIN ref_provinces cp ON cp.province_code = p.current_code
LEFT JOIN stg_approvals a ON a.province_code = s.province_code AND a.period = s.period;

-- Staging: the current accepted submission of each province and period, with the current (post-2025)
-- province beside the reporting one. Everything the analysts see is built on this. Held reports (a late
-- report for an approved, locked period) are not accepted, so they never show here.
CREATE OR REPLACE VIEW stg_current_submissions AS
SELECT submission_id, period, period_end, period_kind, province_code, province_name, reporting_province_code,
       reporting_province_name, file_name, sha256, received_at, loaded_at, approval_status, approved_at
FROM stg_submissions WHERE status = 'accepted';

-- The approved submission of each province and period (its latest approval), whatever came after: a
-- period unlocked and changed since keeps its approved figures here until it is approved again, so that
-- the approved views reproduce the figures as they stood when they were approved.
CREATE OR REPLACE VIEW stg_approved_submissions AS
SELECT submission_id, period, period_end, period_kind, province_code, province_name, reporting_province_code,
       reporting_province_name, file_name, sha256, received_at, loaded_at, approval_status, approved_at
FROM stg_submissions WHERE submission_id = approved_submission_id;
