-- The submitted uploads of the fingerprints in :shas (a JSON array), oldest submission first.
SELECT * FROM uploads
WHERE submitted_at IS NOT NULL AND sha256 IN (SELECT value FROM json_each(:shas))
ORDER BY submitted_at;
