-- Template version 2: activities (sheet hoat_dong) and how far the movement reaches (sheet thong_tin).
-- A province whose report says nothing (a version 1 report, or no hoat_dong sheet) has no row: its figures
-- are unknown, not 0. National totals add up only the provinces that gave the figure, and say how many did.

-- Grain: period × current province × reporting province × activity (one row per kind in each report), with
-- the lineage of the figure: its submission, file, sheet and Excel row.
CREATE OR REPLACE VIEW province_activities AS
SELECT c.period, c.province_code, c.province_name, c.reporting_province_code, c.reporting_province_name,
       f.activity, f."count"::BIGINT AS "count", f.people::BIGINT AS people, f.teams::BIGINT AS teams, f.since,
       f.note, c.submission_id, c.file_name, c.sha256, f.sheet, f.excel_row
FROM fact_activities f JOIN stg_current_submissions c USING (submission_id);

-- Grain: period × activity. A figure a province left blank is not 0: people and teams are summed over the
-- provinces that gave them (provinces_reporting_people, provinces_reporting_teams). Cumulative figures
-- (since: the earliest year counting starts) are added to period figures as reported: provinces_cumulative
-- says how many of the provinces count since an earlier year.
CREATE OR REPLACE VIEW national_activities AS
SELECT period, activity, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum("count")::BIGINT AS "count",
       sum(people)::BIGINT AS people,
       count(DISTINCT reporting_province_code) FILTER (WHERE people IS NOT NULL) AS provinces_reporting_people,
       sum(teams)::BIGINT AS teams,
       count(DISTINCT reporting_province_code) FILTER (WHERE teams IS NOT NULL) AS provinces_reporting_teams,
       min(since) AS since,
       count(DISTINCT reporting_province_code) FILTER (WHERE since IS NOT NULL) AS provinces_cumulative
FROM province_activities GROUP BY ALL;

-- Grain: period. Communes are added up over the provinces that gave both figures (so that the coverage is
-- theirs), districts and border posts over those that gave them.
CREATE OR REPLACE VIEW national_reach AS
WITH reported AS (
    SELECT * FROM province_segments_all_borders
    WHERE communes_covered IS NOT NULL OR communes_total IS NOT NULL OR districts IS NOT NULL
       OR border_posts IS NOT NULL)
SELECT period, count(DISTINCT reporting_province_code) AS provinces_reporting,
       sum(communes_covered) FILTER (WHERE communes_total IS NOT NULL)::BIGINT AS communes_covered,
       sum(communes_total) FILTER (WHERE communes_covered IS NOT NULL)::BIGINT AS communes_total,
       round(sum(communes_covered) FILTER (WHERE communes_total IS NOT NULL)
             / nullif(sum(communes_total) FILTER (WHERE communes_covered IS NOT NULL), 0), 6)::DOUBLE
           AS coverage_communes,
       count(DISTINCT reporting_province_code) FILTER (WHERE communes_covered IS NOT NULL AND communes_total IS NOT NULL)
           AS provinces_reporting_communes,
       sum(districts)::BIGINT AS districts,
       count(DISTINCT reporting_province_code) FILTER (WHERE districts IS NOT NULL) AS provinces_reporting_districts,
       sum(border_posts)::BIGINT AS border_posts,
       count(DISTINCT reporting_province_code) FILTER (WHERE border_posts IS NOT NULL) AS provinces_reporting_border_posts
FROM reported GROUP BY ALL;
