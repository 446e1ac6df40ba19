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
