-- The source of each border total in Vietnamese (border_totals.csv: source_vi), quoted in the steward's messages.
ALTER TABLE ref_border_totals ADD COLUMN IF NOT EXISTS source_vi VARCHAR;
