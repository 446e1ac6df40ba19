UPDATE sessions SET seen_at = :at WHERE token_hash = :token_hash;
