UPDATE accounts SET disabled = 1 WHERE name = :name;
