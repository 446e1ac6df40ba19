-- Problems the load's own review found (period-over-period warnings) added to their submissions' counts.
UPDATE submissions SET errors = submissions.errors + c.added_errors, warnings = submissions.warnings + c.added_warnings
FROM counts_frame c
WHERE submissions.submission_id = c.submission_id;
