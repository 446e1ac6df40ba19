-- Whether the warehouse already holds these exact bytes (then sending them again would load nothing).
SELECT submission_id, status, loaded_at, file_name FROM submissions
WHERE sha256 = $sha256 AND status IN ('accepted', 'superseded', 'rejected')
ORDER BY submission_id DESC LIMIT 1;
