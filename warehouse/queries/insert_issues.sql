-- The problems of one load (issues_frame carries each problem's submission_id).
INSERT INTO validation_issues
SELECT submission_id, severity, rule, sheet, "row", "column", cell, value, message_vi, message_en, fix_vi, fix_en
FROM issues_frame;
