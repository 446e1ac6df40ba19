-- An account's every session ends (a new password, a disabled account).
DELETE FROM sessions WHERE account = :name;
