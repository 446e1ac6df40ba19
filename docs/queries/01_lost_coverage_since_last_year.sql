-- Which provinces lost km coverage since their previous year report?
WITH yearly AS (
    SELECT period, province_code, province_name, sum(length_km) AS length_km, sum(total_km) AS total_km
    FROM province_segments WHERE period NOT LIKE '%S%'
    GROUP BY ALL)
SELECT province_name, period, round(length_km / total_km, 4) AS coverage,
       lag(period) OVER w AS previous_period, round(lag(length_km / total_km) OVER w, 4) AS previous_coverage
FROM yearly
WINDOW w AS (PARTITION BY province_code ORDER BY period)
QUALIFY coverage < previous_coverage
ORDER BY period, province_name;
