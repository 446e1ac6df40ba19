SELECT * FROM audit ORDER BY rowid DESC LIMIT :limit;
