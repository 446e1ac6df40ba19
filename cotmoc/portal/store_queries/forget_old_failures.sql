DELETE FROM login_failures WHERE at < :before;
