-- The problems recorded for one submission, in the order they were recorded (the steward's order).
SELECT severity, rule, message_vi, message_en, fix_vi, fix_en, sheet, excel_row, column_code, cell, value
FROM validation_issues WHERE submission_id = $submission_id
ORDER BY rowid;
