-- The holds of one load (batch_ids): each held submission is a `hold` step of the approval trail.
INSERT INTO approval_events (action, province_code, period, submission_id, actor, reason)
SELECT 'hold', s.province_code, s.period, s.submission_id, 'cotmoc',
       'Kỳ đã được duyệt và khóa: báo cáo được giữ lại cho đến khi mở khóa — the period is approved and locked: '
       || 'the report is held until it is unlocked'
FROM submissions s JOIN batch_ids b USING (submission_id)
WHERE s.status = 'held'
ORDER BY s.submission_id;
