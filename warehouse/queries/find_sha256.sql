-- The submission these bytes first arrived as (duplicates point at it), and where it was filed.
SELECT submission_id, status, stored_path FROM submissions
WHERE sha256 = $sha256 AND status <> 'duplicate'
ORDER BY submission_id LIMIT 1;
