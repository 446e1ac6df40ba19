-- The approved figures as they stood right after ONE approval, whatever came after. national_*_approved follow
-- each province's latest approval; once a period was approved, unlocked, changed and approved again, an earlier
-- published figure is reproduced here, from the trail alone (approval_events is append-only and superseded
-- reports keep their facts):
--   FROM national_teams_as_approved(7)      -- 7: the event_id of an `approve` row of approval_events
-- An approval's snapshot holds, for its period, each province's latest approval up to and including it (an
-- approval made in one command with others: the one with the highest event_id holds them all).
CREATE OR REPLACE VIEW approval_snapshots AS
WITH approvals AS (
    SELECT event_id, event_at, actor, province_code, period, submission_id
    FROM approval_events WHERE action = 'approve')
SELECT e.event_id, e.event_at AS snapshot_at, e.actor AS snapshot_by, e.period,
       a.province_code AS reporting_province_code, a.submission_id, a.event_id AS approval_event_id,
       a.event_at AS approved_at, a.actor AS approved_by
FROM approvals e
JOIN approvals a ON a.period = e.period AND a.event_id <= e.event_id
QUALIFY row_number() OVER (PARTITION BY e.event_id, a.province_code ORDER BY a.event_id DESC) = 1;

-- The submissions of one approval's snapshot, with stg_current_submissions' columns (approved, as they were).
CREATE OR REPLACE MACRO approved_submissions_at(approval_event_id) AS TABLE
SELECT s.submission_id, s.period, s.period_end, s.period_kind, s.province_code, s.province_name,
       s.reporting_province_code, s.reporting_province_name, s.file_name, s.sha256, s.received_at, s.loaded_at,
       'approved' AS approval_status, a.approved_at
FROM approval_snapshots a JOIN stg_submissions s USING (submission_id)
WHERE a.event_id = approval_event_id;

-- The national views over one approval's snapshot: the same macros as the current and approved views (the
-- event id is cast to a number before it becomes part of the inner queries' text). A province's figures as
-- approved: FROM province_teams_of('approved_submissions_at(7)').
CREATE OR REPLACE MACRO national_teams_as_approved(approval_event_id) AS TABLE FROM national_teams_of(
    'province_teams_of(''approved_submissions_at(' || CAST(approval_event_id AS BIGINT) || ')'')');
CREATE OR REPLACE MACRO national_segments_as_approved(approval_event_id) AS TABLE FROM national_segments_of(
    'province_segments_of(''approved_submissions_at(' || CAST(approval_event_id AS BIGINT) || ')'')');
CREATE OR REPLACE MACRO national_awards_as_approved(approval_event_id) AS TABLE FROM national_awards_of(
    'province_awards_of(''approved_submissions_at(' || CAST(approval_event_id AS BIGINT) || ')'')');
