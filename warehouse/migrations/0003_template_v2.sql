-- Template version 2: what the provinces report beyond teams, segments and awards. Both tables are new, so an
-- office's warehouse gains them without a row of the old ones changing; version 1 reports simply have no rows
-- here, and the views show their figures as NULL (not reported), never 0.

-- One row per data row of sheet hoat_dong of an accepted workbook (one row per activity kind).
CREATE TABLE IF NOT EXISTS fact_activities (
    submission_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, excel_row INTEGER NOT NULL,
    activity VARCHAR, "count" INTEGER, people INTEGER, teams INTEGER, since INTEGER, note VARCHAR);

-- How far the movement reaches, from sheet thong_tin of an accepted workbook: one row per submission that
-- gives at least one of these figures.
CREATE TABLE IF NOT EXISTS fact_reach (
    submission_id BIGINT NOT NULL, sheet VARCHAR NOT NULL,
    communes_covered INTEGER, communes_total INTEGER, districts INTEGER, border_posts INTEGER);
