-- A reference table's rows replaced by the registered frame ref_frame (inside the caller's transaction).
DELETE FROM {table};
INSERT INTO {table} ({columns}) SELECT {columns} FROM ref_frame;
