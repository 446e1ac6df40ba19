-- Migration 1 — the baseline: every table of the warehouse as built before versioned migrations (the
-- statements are IF NOT EXISTS, so a warehouse made before versioning takes this migration unchanged).

-- Reference data (raw → ref_*): filled from warehouse/reference/*.csv by warehouse.db.refresh_reference.
CREATE TABLE IF NOT EXISTS ref_provinces (
    province_code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_ascii VARCHAR NOT NULL, gso_code VARCHAR,
    valid_from DATE NOT NULL, valid_to DATE, current_code VARCHAR NOT NULL, is_border BOOLEAN NOT NULL, note VARCHAR);
CREATE TABLE IF NOT EXISTS ref_province_variants (province_code VARCHAR NOT NULL, variant VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_borders (
    border VARCHAR PRIMARY KEY, label_vi VARCHAR, label_en VARCHAR, neighbour_vi VARCHAR, total_km DECIMAL(12, 3),
    total_km_source VARCHAR, verified BOOLEAN);
CREATE TABLE IF NOT EXISTS ref_border_totals (
    province_code VARCHAR NOT NULL, border VARCHAR NOT NULL, total_km DECIMAL(12, 3), total_markers INTEGER,
    source VARCHAR, verified BOOLEAN, note VARCHAR);
-- Totals in force for a province on a border during a span of dates: a merged province's totals are the
-- sum of its constituents' from 1 July 2025 (derived by cotmoc.core.reference.border_total).
CREATE TABLE IF NOT EXISTS ref_province_border_totals (
    province_code VARCHAR NOT NULL, border VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,
    total_km DECIMAL(12, 3), total_markers INTEGER, verified BOOLEAN, source VARCHAR);
CREATE TABLE IF NOT EXISTS ref_enumerations (
    enum VARCHAR NOT NULL, code VARCHAR NOT NULL, label_vi VARCHAR, label_en VARCHAR, sort_order INTEGER, variants VARCHAR);
CREATE TABLE IF NOT EXISTS ref_communes (province_code VARCHAR, district VARCHAR, commune VARCHAR, verified BOOLEAN);
CREATE TABLE IF NOT EXISTS ref_reporting_schedule (
    period_kind VARCHAR PRIMARY KEY, due_days_after_period_end INTEGER, first_period VARCHAR, note VARCHAR);
CREATE TABLE IF NOT EXISTS ref_expected_reporters (
    period VARCHAR NOT NULL, province_code VARCHAR NOT NULL, due_date DATE NOT NULL);

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

-- One row per data row of an accepted workbook, traceable to its submission, sheet and Excel row.
CREATE TABLE IF NOT EXISTS fact_teams (
    submission_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, excel_row INTEGER NOT NULL,
    district VARCHAR, commune VARCHAR, team_type VARCHAR, teams INTEGER, members INTEGER, households INTEGER,
    note VARCHAR);
CREATE TABLE IF NOT EXISTS fact_segments (
    submission_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, excel_row INTEGER NOT NULL,
    border VARCHAR, district VARCHAR, commune VARCHAR, collective VARCHAR, marker_from VARCHAR, marker_to VARCHAR,
    length_km DECIMAL(12, 3), markers INTEGER, border_works INTEGER, households INTEGER, persons INTEGER,
    registered_on DATE);
CREATE TABLE IF NOT EXISTS fact_awards (
    submission_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, excel_row INTEGER NOT NULL,
    decision_no VARCHAR, decision_date DATE, issuer VARCHAR, award_form VARCHAR, collectives INTEGER,
    individuals INTEGER, note VARCHAR);

-- Every problem found in a submission (errors block the file, warnings do not), as the steward saw it.
CREATE TABLE IF NOT EXISTS validation_issues (
    submission_id BIGINT NOT NULL, severity VARCHAR NOT NULL, rule VARCHAR NOT NULL, sheet VARCHAR,
    excel_row INTEGER, column_code VARCHAR, cell VARCHAR, value VARCHAR, message_vi VARCHAR, message_en VARCHAR,
    fix_vi VARCHAR, fix_en VARCHAR);

-- One row per ingest run: what `cotmoc status` shows as the last runs.
CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1;
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, files INTEGER NOT NULL,
    new INTEGER, superseding INTEGER, duplicate INTEGER, rejected INTEGER, recovered INTEGER,
    errors INTEGER, warnings INTEGER);
