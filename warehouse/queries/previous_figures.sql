-- For each accepted (or held) submission of one load (batch_ids), the figures of its province's previous accepted report
-- of the same kind (year after year, half after half), for the period-over-period checks. Reports of the same
-- load count: a backfill's 2017 report is compared with its 2016 report even when both arrive together.
WITH loaded AS (
    SELECT s.submission_id, s.province_code, s.period
    FROM submissions s JOIN batch_ids b USING (submission_id)
    WHERE s.status IN ('accepted', 'held')),
previous AS (
    SELECT l.submission_id, p.submission_id AS previous_id, p.period,
           row_number() OVER (PARTITION BY l.submission_id ORDER BY p.period DESC) AS nearest
    FROM loaded l JOIN submissions p
      ON p.province_code = l.province_code AND p.status = 'accepted'
     AND period_kind(p.period) = period_kind(l.period) AND p.period < l.period)
SELECT v.submission_id, v.period,
       (SELECT sum(length_km) FROM fact_segments f WHERE f.submission_id = v.previous_id)::DOUBLE AS length_km,
       (SELECT sum(markers) FROM fact_segments f WHERE f.submission_id = v.previous_id)::BIGINT AS markers,
       (SELECT sum(teams) FROM fact_teams f WHERE f.submission_id = v.previous_id)::BIGINT AS teams,
       (SELECT sum(members) FROM fact_teams f WHERE f.submission_id = v.previous_id)::BIGINT AS members
FROM previous v
WHERE v.nearest = 1;
