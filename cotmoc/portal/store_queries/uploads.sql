-- The latest uploads, of one province or all (:province NULL), submitted, not yet, or both (:submitted NULL).
SELECT * FROM uploads
WHERE (:province IS NULL OR province = :province)
  AND (:submitted IS NULL OR (submitted_at IS NOT NULL) = :submitted)
ORDER BY uploaded_at DESC, rowid DESC LIMIT :limit;
