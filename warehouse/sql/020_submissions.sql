-- Every file received, whatever became of it: the audit trail of the inbox.
CREATE SEQUENCE IF NOT EXISTS submission_id_seq START 1;
CREATE TABLE IF NOT EXISTS submissions (
    submission_id BIGINT PRIMARY KEY DEFAULT nextval('submission_id_seq'),
    province_code VARCHAR,            -- the reporting province (pre-merger where it reported before July 2025)
    period VARCHAR,
    file_name VARCHAR NOT NULL,
    original_path VARCHAR NOT NULL,
    stored_path VARCHAR,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT,
    received_at TIMESTAMP,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    template_version VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded', 'duplicate')),
    superseded_by BIGINT,
    duplicate_of BIGINT,
    teams_rows INTEGER DEFAULT 0,
    segments_rows INTEGER DEFAULT 0,
    awards_rows INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    warnings INTEGER DEFAULT 0,
    reporting_unit VARCHAR,
    prepared_by VARCHAR,
    report_date DATE);
