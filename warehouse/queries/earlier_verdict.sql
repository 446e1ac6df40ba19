-- What became of the submission that a re-sent file's bytes first arrived as: its verdict, where it was filed,
-- and (when it was rejected) its first error (issues are stored in the order the steward saw them), so that
-- re-sending a rejected file is answered, not silently skipped.
SELECT s.status, s.stored_path, s.loaded_at, s.province_code, s.period, s.errors,
       (SELECT CASE WHEN coalesce(i.sheet, i.cell) IS NULL THEN '' ELSE '[' || concat_ws(' / ', i.sheet, i.cell) || '] ' END
               || i.message_vi || ' — ' || i.message_en FROM validation_issues i
        WHERE i.submission_id = s.submission_id AND i.severity = 'error' ORDER BY i.rowid LIMIT 1) AS first_error
FROM submissions s
WHERE s.submission_id = $submission_id;
