-- Once only: a second click (or a replayed form) changes nothing.
UPDATE uploads SET submitted_at = :at, submitted_by = :account, inbox_path = :inbox_path
WHERE upload_id = :upload_id AND submitted_at IS NULL;
