-- Released reports (accepted or superseded since) still filed under the held folder ($held_root): their
-- move to archive/<province>/ comes after the release's commit, so a crash may have left it undone.
SELECT submission_id, file_name, sha256, province_code, status, stored_path
FROM submissions
WHERE status IN ('accepted', 'superseded') AND starts_with(stored_path, $held_root)
ORDER BY submission_id;
