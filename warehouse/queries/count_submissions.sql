-- Reads the submissions table: a copy that answers this opens and reads.
SELECT count(*) FROM submissions;
