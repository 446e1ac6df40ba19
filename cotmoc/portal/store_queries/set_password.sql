UPDATE accounts SET password_hash = :password_hash WHERE name = :name;
