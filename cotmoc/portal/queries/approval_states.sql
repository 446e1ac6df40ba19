-- The approval state of each reporting province's period of $periods, as the trail says (stg_approvals): the
-- approved submission, when, by whom, with what note, whether it is still locked, and its latest unlock.
WITH unlocks AS (
    SELECT province_code, period, event_at AS unlocked_at, actor AS unlocked_by, reason AS unlock_reason
    FROM approval_events
    WHERE action = 'unlock' AND list_contains($periods, period)
    QUALIFY row_number() OVER (PARTITION BY province_code, period ORDER BY event_id DESC) = 1)
SELECT a.province_code, a.period, a.approved_submission_id, a.approved_at, a.approved_by, a.approval_note,
       a.locked, u.unlocked_at, u.unlocked_by, u.unlock_reason
FROM stg_approvals a
LEFT JOIN unlocks u USING (province_code, period)
WHERE list_contains($periods, a.period);
