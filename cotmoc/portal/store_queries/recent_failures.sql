-- Failed logins counted under one key since the window began, the latest first.
SELECT at FROM login_failures WHERE key = :key AND at > :since ORDER BY at DESC;
