-- Current rejections of the chosen periods (the completeness view's own pick) with their first errors, in the
-- order they were recorded (the steward's order, cotmoc.core.problems.sort_key).
WITH rejected AS (
    SELECT c.period, c.reporting_province_code AS province_code, c.submission_id, c.file_name, c.errors,
           c.received_at, s.sha256
    FROM completeness c JOIN submissions s USING (submission_id)
    WHERE c.status = 'rejected' AND list_contains($periods, c.period)),
issues AS (
    SELECT submission_id, severity, rule, sheet, excel_row, column_code, cell, value, message_vi, message_en,
           fix_vi, fix_en,
           row_number() OVER (PARTITION BY submission_id ORDER BY rowid) AS n
    FROM validation_issues WHERE severity = 'error')
SELECT r.*, i.severity, i.rule, i.sheet, i.excel_row AS row, i.column_code AS column, i.cell, i.value,
       i.message_vi, i.message_en, i.fix_vi, i.fix_en
FROM rejected r LEFT JOIN issues i ON i.submission_id = r.submission_id AND i.n <= $first
ORDER BY r.period DESC, r.province_code, i.n;
