-- Problems the load's own review found (period-over-period warnings) added to their submissions' counts.
UPDATE submissions SET errors = errors + c.errors, warnings = warnings + c.warnings
FROM counts_frame c
WHERE submissions.submission_id = c.submission_id;
