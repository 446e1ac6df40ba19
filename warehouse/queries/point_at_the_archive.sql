-- A replayed submission names its filed original and the inbox place it first arrived at.
UPDATE submissions SET stored_path = $stored_path, original_path = $original_path WHERE original_path = $staged_path;
