-- For each fingerprint in $sha256s, the submission these bytes first arrived as (duplicates point at it), and
-- where it was filed. Fingerprints the warehouse has never seen are absent.
SELECT sha256, submission_id, status, stored_path FROM (
    SELECT sha256, submission_id, status, stored_path,
           row_number() OVER (PARTITION BY sha256 ORDER BY submission_id) AS nth
    FROM submissions
    WHERE sha256 IN (SELECT unnest($sha256s::VARCHAR[])) AND status <> 'duplicate')
WHERE nth = 1;
