SELECT name, role, province, disabled, created_at, last_login_at FROM accounts WHERE name = :name;
