-- The portal's own state (never the warehouse's): accounts, sessions, login failures, uploads, audit log.
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('province', 'office')),
    province TEXT,                        -- the province code a steward reports for (NULL for the office)
    password_hash TEXT NOT NULL,          -- scrypt$n$r$p$salt$hash (base64), never the password
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    CHECK ((role = 'province') = (province IS NOT NULL)));
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,          -- SHA-256 of the cookie's token: a copy of this file opens no session
    account TEXT NOT NULL REFERENCES accounts(name),
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,           -- random: ids cannot be guessed or counted
    account TEXT NOT NULL,
    province TEXT NOT NULL,               -- the account's province (the office: the report's own)
    uploaded_name TEXT NOT NULL,          -- shown to people, never used as a path
    stored_name TEXT NOT NULL,            -- the server's name for the file
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    check_ms INTEGER,
    report_province TEXT,
    period TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    result_json TEXT NOT NULL,            -- problems and figures as read (what the check page shows)
    submitted_at TEXT,
    submitted_by TEXT,
    inbox_path TEXT,                      -- where the file was handed to the ingest
    trigger_note TEXT);                   -- what the Prefect API said when the ingest was triggered
CREATE INDEX IF NOT EXISTS uploads_province ON uploads (province, uploaded_at);
CREATE INDEX IF NOT EXISTS uploads_sha ON uploads (sha256);
CREATE TABLE IF NOT EXISTS audit (
    at TEXT NOT NULL,
    account TEXT,
    client TEXT,
    action TEXT NOT NULL,                 -- login, login_failed, login_locked, logout, upload, check, refused,
                                          -- submit, download, ...
    detail TEXT);
