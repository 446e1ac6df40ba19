-- Every reporting province's period that is approved and locked: a new report for it is held.
SELECT province_code, period, approved_submission_id, approved_at, approved_by
FROM stg_approvals WHERE locked;
