-- What a rebuild replays: every filed submission, where it was filed and first arrived, and when.
SELECT stored_path, original_path, received_at, submission_id, loaded_at FROM submissions WHERE stored_path IS NOT NULL;
