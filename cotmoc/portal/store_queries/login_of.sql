SELECT password_hash, disabled FROM accounts WHERE name = :name;
