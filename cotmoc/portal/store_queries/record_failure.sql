INSERT INTO login_failures VALUES (:key, :at);
