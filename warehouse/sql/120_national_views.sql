-- Marts: the nation per period. A national total_km is the whole border's length (ref_borders), not only
-- the reporting provinces', so national coverage never looks complete while provinces are missing.
-- Like the province views, each is a macro over a province view (`prov`): national_* over the current
-- figures, national_*_approved over the approved ones only (the published figures, reproducible later).
-- A national row's approval_status: `changed_since_approval` if any province counted in it was changed since
-- its approval, `approved` if every one is approved, else `not_approved`; approved_at: the latest approval
-- among them.
CREATE OR REPLACE MACRO national_approval_status(status) AS
    CASE WHEN bool_or(status = 'changed_since_approval') THEN 'changed_since_approval'
         WHEN bool_and(status = 'approved') THEN 'approved' ELSE 'not_approved' END;

CREATE OR REPLACE MACRO national_teams_of(prov) AS TABLE
SELECT period, team_type, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum(teams)::BIGINT AS teams, sum(members)::BIGINT AS members, sum(households)::BIGINT AS households,
       national_approval_status(approval_status) AS approval_status, max(approved_at) AS approved_at
FROM query('FROM ' || prov) GROUP BY period, team_type;

CREATE OR REPLACE VIEW national_teams AS FROM national_teams_of('province_teams');
CREATE OR REPLACE VIEW national_teams_approved AS FROM national_teams_of('province_teams_approved');

CREATE OR REPLACE MACRO national_segments_of(prov) AS TABLE
WITH registered AS (
    SELECT period, border, count(DISTINCT reporting_province_code) AS provinces_reporting,
           sum(collectives)::BIGINT AS collectives, sum(length_km) AS length_km, sum(markers)::BIGINT AS markers,
           sum(border_works)::BIGINT AS border_works, sum(households)::BIGINT AS households,
           sum(persons)::BIGINT AS persons, national_approval_status(approval_status) AS approval_status,
           max(approved_at) AS approved_at
    FROM query('FROM ' || prov) GROUP BY period, border),
marker_totals AS (   -- whole-border marker count: known only when every province's count is known
    SELECT border, valid_from, valid_to,
           CASE WHEN count(*) = count(total_markers) THEN sum(total_markers) END::BIGINT AS total_markers
    FROM ref_province_border_totals WHERE border <> 'ALL' GROUP BY ALL)
SELECT r.period, r.border, r.provinces_reporting, r.collectives, r.length_km, b.total_km,
       round(r.length_km / b.total_km, 6)::DOUBLE AS km_coverage, r.markers, m.total_markers,
       round(r.markers / m.total_markers, 6)::DOUBLE AS marker_coverage, r.border_works, r.households, r.persons,
       r.approval_status, r.approved_at
FROM registered r
LEFT JOIN ref_borders b USING (border)          -- an unknown border keeps its figures (NULL total)
LEFT JOIN marker_totals m ON m.border = r.border AND period_end(r.period) BETWEEN m.valid_from AND m.valid_to;

CREATE OR REPLACE VIEW national_segments AS FROM national_segments_of('province_segments');
CREATE OR REPLACE VIEW national_segments_approved AS FROM national_segments_of('province_segments_approved');

CREATE OR REPLACE MACRO national_awards_of(prov) AS TABLE
SELECT period, issuer, award_form, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum(decisions)::BIGINT AS decisions, sum(collectives)::BIGINT AS collectives,
       sum(individuals)::BIGINT AS individuals, national_approval_status(approval_status) AS approval_status,
       max(approved_at) AS approved_at
FROM query('FROM ' || prov) GROUP BY period, issuer, award_form;

CREATE OR REPLACE VIEW national_awards AS FROM national_awards_of('province_awards');
CREATE OR REPLACE VIEW national_awards_approved AS FROM national_awards_of('province_awards_approved');
