-- Every problem found in a submission (errors block the file, warnings do not), as the steward saw it.
CREATE TABLE IF NOT EXISTS validation_issues (
    submission_id BIGINT NOT NULL, severity VARCHAR NOT NULL, rule VARCHAR NOT NULL, sheet VARCHAR,
    excel_row INTEGER, column_code VARCHAR, cell VARCHAR, value VARCHAR, message_vi VARCHAR, message_en VARCHAR,
    fix_vi VARCHAR, fix_en VARCHAR);
