-- The earlier accepted report for the same province and period stays, for audit, as superseded.
UPDATE submissions SET status = 'superseded', superseded_by = $new_id
WHERE province_code = $province_code AND period = $period AND status = 'accepted' AND submission_id <> $new_id
RETURNING submission_id;
