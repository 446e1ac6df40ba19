-- The figures of a province's previous accepted report of the same kind (year after year, half after half).
WITH previous AS (
    SELECT submission_id, period FROM submissions
    WHERE province_code = $province_code AND status = 'accepted' AND period_kind(period) = period_kind($period)
      AND period < $period
    ORDER BY period DESC LIMIT 1)
SELECT p.period,
       (SELECT sum(length_km) FROM fact_segments f WHERE f.submission_id = p.submission_id)::DOUBLE AS length_km,
       (SELECT sum(markers) FROM fact_segments f WHERE f.submission_id = p.submission_id)::BIGINT AS markers,
       (SELECT sum(teams) FROM fact_teams f WHERE f.submission_id = p.submission_id)::BIGINT AS teams,
       (SELECT sum(members) FROM fact_teams f WHERE f.submission_id = p.submission_id)::BIGINT AS members
FROM previous p;
