-- A duplicate already recorded for this inbox file (same bytes, same place) by a run that stopped before
-- moving it: the next run files it under the recorded row instead of recording it twice.
SELECT submission_id, stored_path FROM submissions
WHERE status = 'duplicate' AND sha256 = $sha256 AND original_path = $original_path
ORDER BY submission_id;
