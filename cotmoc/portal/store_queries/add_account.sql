INSERT INTO accounts (name, role, province, password_hash, created_at)
VALUES (:name, :role, :province, :password_hash, :created_at);
