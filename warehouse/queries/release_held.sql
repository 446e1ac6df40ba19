-- An unlocked period's held reports are released: the newest held report becomes the accepted one; the
-- report it replaces (the approved one) and any older held report are superseded by it.
WITH newest AS (
    SELECT max(submission_id) AS id FROM submissions
    WHERE province_code = $province_code AND period = $period AND status = 'held')
UPDATE submissions
SET status = CASE WHEN submission_id = newest.id THEN 'accepted' ELSE 'superseded' END,
    superseded_by = CASE WHEN submission_id = newest.id THEN NULL ELSE newest.id END
FROM newest
WHERE newest.id IS NOT NULL AND province_code = $province_code AND period = $period
  AND status IN ('accepted', 'held')
RETURNING submission_id, status;
