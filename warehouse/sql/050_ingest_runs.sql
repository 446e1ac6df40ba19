-- One row per ingest run: what `cotmoc status` shows as the last runs.
CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1;
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, files INTEGER NOT NULL,
    new INTEGER, superseding INTEGER, duplicate INTEGER, rejected INTEGER, recovered INTEGER,
    errors INTEGER, warnings INTEGER);
