UPDATE accounts SET last_login_at = :at WHERE name = :name;
