-- Sessions idle too long, or older than a session may live.
DELETE FROM sessions WHERE seen_at < :idle_since OR created_at < :created_since;
