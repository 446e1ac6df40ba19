INSERT INTO sessions (token_hash, account, csrf, created_at, seen_at) VALUES (:token_hash, :account, :csrf, :at, :at);
