-- One submission with its problems (p_*: one row per problem), in the order they were recorded: the steward's
-- order (cotmoc.core.problems.sort_key), as in the annotated copy and the .loi.json.
SELECT s.submission_id, s.province_code, s.period, s.file_name, s.sha256, s.received_at, s.loaded_at, s.status,
       s.superseded_by, s.teams_rows, s.segments_rows, s.awards_rows, s.errors, s.warnings, s.stored_path, st.approval_status,
       i.severity AS p_severity, i.rule AS p_rule, i.sheet AS p_sheet, i.excel_row AS p_row,
       i.column_code AS p_column, i.cell AS p_cell, i.value AS p_value,
       i.message_vi AS p_message_vi, i.message_en AS p_message_en, i.fix_vi AS p_fix_vi, i.fix_en AS p_fix_en
FROM submissions s JOIN stg_submissions st USING (submission_id)
LEFT JOIN validation_issues i USING (submission_id)
WHERE s.submission_id = $id
ORDER BY i.rowid;
