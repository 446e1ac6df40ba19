-- The migrations' own record (warehouse/schema.py): created with the first migration applied.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp());
