-- Marts: the nation per period. A national total_km is the whole border's length (ref_borders), not only
-- the reporting provinces', so national coverage never looks complete while provinces are missing.
CREATE OR REPLACE VIEW national_teams AS
SELECT period, team_type, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum(teams)::BIGINT AS teams, sum(members)::BIGINT AS members, sum(households)::BIGINT AS households
FROM province_teams GROUP BY ALL;

CREATE OR REPLACE VIEW national_segments AS
WITH registered AS (
    SELECT period, border, count(DISTINCT reporting_province_code) AS provinces_reporting,
           sum(collectives)::BIGINT AS collectives, sum(length_km) AS length_km, sum(markers)::BIGINT AS markers,
           sum(border_works)::BIGINT AS border_works, sum(households)::BIGINT AS households,
           sum(persons)::BIGINT AS persons
    FROM province_segments GROUP BY ALL),
marker_totals AS (   -- whole-border marker count: known only when every province's count is known
    SELECT border, valid_from, valid_to,
           CASE WHEN count(*) = count(total_markers) THEN sum(total_markers) END::BIGINT AS total_markers
    FROM ref_province_border_totals WHERE border <> 'ALL' GROUP BY ALL)
SELECT r.period, r.border, r.provinces_reporting, r.collectives, r.length_km, b.total_km,
       round(r.length_km / b.total_km, 6)::DOUBLE AS km_coverage, r.markers, m.total_markers,
       round(r.markers / m.total_markers, 6)::DOUBLE AS marker_coverage, r.border_works, r.households, r.persons
FROM registered r
LEFT JOIN ref_borders b USING (border)          -- an unknown border keeps its figures (NULL total)
LEFT JOIN marker_totals m ON m.border = r.border AND period_end(r.period) BETWEEN m.valid_from AND m.valid_to;

CREATE OR REPLACE VIEW national_awards AS
SELECT period, issuer, award_form, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum(decisions)::BIGINT AS decisions, sum(collectives)::BIGINT AS collectives,
       sum(individuals)::BIGINT AS individuals
FROM province_awards GROUP BY ALL;
