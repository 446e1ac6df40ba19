-- The submissions of one load (batch_ids) replace the earlier accepted report of the same province and period,
-- in the order they arrived: each accepted report of such a (province, period) is superseded by the next one
-- (superseded_by), the last stays accepted. Superseded reports stay, for audit.
WITH loaded_keys AS (
    SELECT DISTINCT s.province_code, s.period
    FROM submissions s JOIN batch_ids b USING (submission_id)
    WHERE s.status = 'accepted'),
chain AS (
    SELECT s.submission_id,
           lead(s.submission_id) OVER (PARTITION BY s.province_code, s.period ORDER BY s.submission_id) AS next_id
    FROM submissions s JOIN loaded_keys k USING (province_code, period)
    WHERE s.status = 'accepted')
UPDATE submissions SET status = 'superseded', superseded_by = chain.next_id
FROM chain
WHERE submissions.submission_id = chain.submission_id AND chain.next_id IS NOT NULL
RETURNING submissions.submission_id AS superseded_id, submissions.superseded_by AS submission_id;
