-- For each accepted (or held) submission of one load (batch_ids), the figures of its province's previous report of the
-- same kind (year after year, half after half), for the period-over-period checks. "Previous" is judged as
-- things stood when the file arrived: among the reports that arrived before it (a lower submission_id) and
-- were then current (accepted, or superseded only by a report that arrived after it), the nearest earlier
-- period. So the review is the same however the files were batched, and whether a run was interrupted: a
-- backfill's 2017 report is compared with its 2016 report when 2016 arrived first, in the same load or not.
-- A report of this load that a later one of the same load already superseded is reviewed too.
WITH loaded AS (
    SELECT s.submission_id, s.province_code, s.period
    FROM submissions s JOIN batch_ids b USING (submission_id)
    WHERE s.status IN ('accepted', 'superseded', 'held')),
previous AS (
    SELECT l.submission_id, p.submission_id AS previous_id, p.period,
           row_number() OVER (PARTITION BY l.submission_id ORDER BY p.period DESC, p.submission_id DESC) AS nearest
    FROM loaded l JOIN submissions p
      ON p.province_code = l.province_code AND p.submission_id < l.submission_id
     AND (p.status = 'accepted' OR (p.status = 'superseded' AND p.superseded_by > l.submission_id))
     AND period_kind(p.period) = period_kind(l.period) AND p.period < l.period)
SELECT v.submission_id, v.period,
       (SELECT sum(length_km) FROM fact_segments f WHERE f.submission_id = v.previous_id)::DOUBLE AS length_km,
       (SELECT sum(markers) FROM fact_segments f WHERE f.submission_id = v.previous_id)::BIGINT AS markers,
       (SELECT sum(teams) FROM fact_teams f WHERE f.submission_id = v.previous_id)::BIGINT AS teams,
       (SELECT sum(members) FROM fact_teams f WHERE f.submission_id = v.previous_id)::BIGINT AS members
FROM previous v
WHERE v.nearest = 1;
