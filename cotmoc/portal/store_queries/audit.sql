INSERT INTO audit (at, account, client, action, detail) VALUES (:at, :account, :client, :action, :detail);
