-- Half-year reports shown beside the year report of the same year (side by side, never summed).
SELECT left(period, 4) AS year, province_name,
       sum(teams) FILTER (WHERE period LIKE '%S1') AS teams_s1,
       sum(teams) FILTER (WHERE period LIKE '%S2') AS teams_s2,
       sum(teams) FILTER (WHERE period NOT LIKE '%S%') AS teams_year
FROM province_teams
GROUP BY ALL
ORDER BY year, province_name;
