-- Rows of a registered frame into a fact table, its columns named by the contract (warehouse/load.py).
INSERT INTO {table} ({columns}) SELECT {columns} FROM {frame};
