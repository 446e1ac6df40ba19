-- Marts: one province's figures per period. Grain: period × current province × reporting province × key,
-- so that a merged province's series (province_code) and its old provinces' own series
-- (reporting_province_code) can both be drawn. Half-year and year periods are separate rows, never summed.
-- Each view is a macro over a set of submissions (`subs`: a view, or a table macro's call, with
-- stg_current_submissions' columns, read through query()), so that the current figures
-- (stg_current_submissions), the approved ones (stg_approved_submissions, the *_approved views) and those of
-- one approval (approved_submissions_at, 125_as_approved.sql) are computed by the same SQL.
CREATE OR REPLACE MACRO province_teams_of(subs) AS TABLE
SELECT c.period, c.province_code, c.province_name, c.reporting_province_code, c.reporting_province_name,
       f.team_type, sum(f.teams)::BIGINT AS teams, sum(f.members)::BIGINT AS members,
       sum(f.households)::BIGINT AS households, count(*) AS rows_reported, c.submission_id,
       c.approval_status, c.approved_at
FROM fact_teams f JOIN query('FROM ' || subs) c USING (submission_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW province_teams AS FROM province_teams_of('stg_current_submissions');
CREATE OR REPLACE VIEW province_teams_approved AS FROM province_teams_of('stg_approved_submissions');

CREATE OR REPLACE MACRO province_segments_of(subs) AS TABLE
WITH registered AS (
    SELECT c.period, c.period_end, c.province_code, c.province_name, c.reporting_province_code,
           c.reporting_province_name, f.border, count(*) AS collectives, sum(f.length_km) AS length_km,
           sum(f.markers)::BIGINT AS markers, sum(f.border_works)::BIGINT AS border_works,
           sum(f.households)::BIGINT AS households, sum(f.persons)::BIGINT AS persons, c.submission_id,
           c.approval_status, c.approved_at
    FROM fact_segments f JOIN query('FROM ' || subs) c USING (submission_id)
    GROUP BY ALL)
SELECT r.period, r.province_code, r.province_name, r.reporting_province_code, r.reporting_province_name, r.border,
       r.collectives, r.length_km, t.total_km, round(r.length_km / t.total_km, 6)::DOUBLE AS km_coverage,
       r.markers, t.total_markers, round(r.markers / t.total_markers, 6)::DOUBLE AS marker_coverage,
       r.border_works, r.households, r.persons, t.verified AS totals_verified, r.submission_id,
       r.approval_status, r.approved_at
FROM registered r
LEFT JOIN ref_province_border_totals t
       ON t.province_code = r.reporting_province_code AND t.border = r.border
      AND r.period_end BETWEEN t.valid_from AND t.valid_to;

CREATE OR REPLACE VIEW province_segments AS FROM province_segments_of('stg_current_submissions');
CREATE OR REPLACE VIEW province_segments_approved AS FROM province_segments_of('stg_approved_submissions');

-- All land borders of a province together (Điện Biên's sources give only its whole-border figures), with how
-- far the movement reaches (thong_tin of template version 2: NULL where the report does not say). A report
-- with reach figures but no segments still has its row.
CREATE OR REPLACE VIEW province_segments_all_borders AS
WITH registered AS (
    SELECT f.submission_id, count(*) AS collectives, sum(f.length_km) AS length_km,
           sum(f.markers)::BIGINT AS markers, sum(f.border_works)::BIGINT AS border_works,
           sum(f.households)::BIGINT AS households, sum(f.persons)::BIGINT AS persons
    FROM fact_segments f JOIN stg_current_submissions c USING (submission_id)
    GROUP BY f.submission_id)
SELECT c.period, c.province_code, c.province_name, c.reporting_province_code, c.reporting_province_name,
       r.collectives, r.length_km, t.total_km, round(r.length_km / t.total_km, 6)::DOUBLE AS km_coverage,
       r.markers, t.total_markers, round(r.markers / t.total_markers, 6)::DOUBLE AS marker_coverage,
       r.border_works, r.households, r.persons, t.verified AS totals_verified, c.submission_id,
       x.communes_covered, x.communes_total,
       round(x.communes_covered / nullif(x.communes_total, 0), 6)::DOUBLE AS coverage_communes,
       x.districts, x.border_posts, c.approval_status, c.approved_at
FROM stg_current_submissions c
LEFT JOIN registered r ON r.submission_id = c.submission_id
LEFT JOIN fact_reach x ON x.submission_id = c.submission_id
LEFT JOIN ref_province_border_totals t
       ON t.province_code = c.reporting_province_code AND t.border = 'ALL'
      AND c.period_end BETWEEN t.valid_from AND t.valid_to
WHERE r.submission_id IS NOT NULL OR x.submission_id IS NOT NULL;

CREATE OR REPLACE MACRO province_awards_of(subs) AS TABLE
SELECT c.period, c.province_code, c.province_name, c.reporting_province_code, c.reporting_province_name,
       f.issuer, f.award_form, count(*) AS decisions, sum(f.collectives)::BIGINT AS collectives,
       sum(f.individuals)::BIGINT AS individuals, c.submission_id, c.approval_status, c.approved_at
FROM fact_awards f JOIN query('FROM ' || subs) c USING (submission_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW province_awards AS FROM province_awards_of('stg_current_submissions');
CREATE OR REPLACE VIEW province_awards_approved AS FROM province_awards_of('stg_approved_submissions');
