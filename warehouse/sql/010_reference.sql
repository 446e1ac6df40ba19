-- Reference data (raw → ref_*): filled from warehouse/reference/*.csv by warehouse.db.refresh_reference.
CREATE TABLE IF NOT EXISTS ref_provinces (
    province_code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_ascii VARCHAR NOT NULL, gso_code VARCHAR,
    valid_from DATE NOT NULL, valid_to DATE, current_code VARCHAR NOT NULL, is_border BOOLEAN NOT NULL, note VARCHAR);
CREATE TABLE IF NOT EXISTS ref_province_variants (province_code VARCHAR NOT NULL, variant VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_borders (
    border VARCHAR PRIMARY KEY, label_vi VARCHAR, label_en VARCHAR, neighbour_vi VARCHAR, total_km DECIMAL(12, 3),
    total_km_source VARCHAR, verified BOOLEAN);
CREATE TABLE IF NOT EXISTS ref_border_totals (
    province_code VARCHAR NOT NULL, border VARCHAR NOT NULL, total_km DECIMAL(12, 3), total_markers INTEGER,
    source VARCHAR, verified BOOLEAN, note VARCHAR);
ALTER TABLE ref_border_totals ADD COLUMN IF NOT EXISTS source_vi VARCHAR;     -- added later: older warehouses
-- Totals in force for a province on a border during a span of dates: a merged province's totals are the
-- sum of its constituents' from 1 July 2025 (derived by cotmoc.reference.border_total).
CREATE TABLE IF NOT EXISTS ref_province_border_totals (
    province_code VARCHAR NOT NULL, border VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,
    total_km DECIMAL(12, 3), total_markers INTEGER, verified BOOLEAN, source VARCHAR);
CREATE TABLE IF NOT EXISTS ref_enumerations (
    enum VARCHAR NOT NULL, code VARCHAR NOT NULL, label_vi VARCHAR, label_en VARCHAR, sort_order INTEGER, variants VARCHAR);
CREATE TABLE IF NOT EXISTS ref_communes (province_code VARCHAR, district VARCHAR, commune VARCHAR, verified BOOLEAN);
CREATE TABLE IF NOT EXISTS ref_reporting_schedule (
    period_kind VARCHAR PRIMARY KEY, due_days_after_period_end INTEGER, first_period VARCHAR, note VARCHAR);
CREATE TABLE IF NOT EXISTS ref_expected_reporters (
    period VARCHAR NOT NULL, province_code VARCHAR NOT NULL, due_date DATE NOT NULL);

-- Period helpers: '2016' → 2016-12-31, '2016S1' → 2016-06-30.
CREATE OR REPLACE MACRO period_end(p) AS
    CASE WHEN p LIKE '%S1' THEN make_date(CAST(left(p, 4) AS INTEGER), 6, 30)
         ELSE make_date(CAST(left(p, 4) AS INTEGER), 12, 31) END;
CREATE OR REPLACE MACRO period_kind(p) AS CASE WHEN p LIKE '%S_' THEN 'half' ELSE 'year' END;
