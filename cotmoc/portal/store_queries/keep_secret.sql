-- The key that signs cookies, made once (the first store opened keeps its own).
INSERT OR IGNORE INTO meta VALUES ('secret', :secret);
