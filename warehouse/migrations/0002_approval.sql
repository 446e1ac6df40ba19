-- Migration: period approval. The office approves a province's period (which locks it); a late report for a
-- locked period is kept as `held` until the office unlocks it; every step is a row of `approval_events`.

-- `held` joins the statuses of `submissions`. DuckDB cannot change a CHECK constraint, so the table is rebuilt
-- with the same columns in the same order and every row copied (BY NAME: if an earlier migration had added
-- a column this list lacks, the copy fails and the whole upgrade rolls back instead of dropping it).
CREATE TABLE submissions_with_held (
    submission_id BIGINT PRIMARY KEY DEFAULT nextval('submission_id_seq'),
    province_code VARCHAR,
    period VARCHAR,
    file_name VARCHAR NOT NULL,
    original_path VARCHAR NOT NULL,
    stored_path VARCHAR,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT,
    received_at TIMESTAMP,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    template_version VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded', 'duplicate', 'held')),
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
INSERT INTO submissions_with_held BY NAME SELECT * FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_with_held RENAME TO submissions;

-- The approval trail: append-only (cotmoc only ever inserts). The approval state of a province's period is
-- read from it (warehouse/sql/100_staging.sql: stg_approvals), so the trail is the only record of it.
CREATE SEQUENCE IF NOT EXISTS approval_event_id_seq START 1;
CREATE TABLE IF NOT EXISTS approval_events (
    event_id BIGINT PRIMARY KEY DEFAULT nextval('approval_event_id_seq'),
    event_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    action VARCHAR NOT NULL CHECK (action IN ('approve', 'unlock', 'hold', 'release')),
    province_code VARCHAR NOT NULL,   -- the reporting province (as in submissions)
    period VARCHAR NOT NULL,
    submission_id BIGINT NOT NULL,    -- approve/unlock: the approved one; hold: the held one; release: the released one
    replaced_ids BIGINT[],            -- release: the submissions it superseded
    actor VARCHAR NOT NULL,           -- who (the office user; `cotmoc` for a hold made by the ingest)
    reason VARCHAR);                  -- approve: the note; unlock: why; hold/release: what happened

-- Held reports in a run's counts.
ALTER TABLE ingest_runs ADD COLUMN held INTEGER DEFAULT 0;

-- Days after the deadline a report still counts as on time (reference/reporting_schedule.csv).
ALTER TABLE ref_reporting_schedule ADD COLUMN grace_days INTEGER DEFAULT 0;
