-- A successful login clears its account name's failures (never its address's).
DELETE FROM login_failures WHERE key = :key;
