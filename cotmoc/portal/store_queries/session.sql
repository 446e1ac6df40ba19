SELECT account, csrf, created_at, seen_at FROM sessions WHERE token_hash = :token_hash;
