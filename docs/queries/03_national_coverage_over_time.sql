-- National coverage of each border, year by year (half-years kept apart, never added to years).
SELECT period, border, provinces_reporting, length_km, total_km, round(km_coverage, 4) AS km_coverage
FROM national_segments
WHERE period NOT LIKE '%S%'
ORDER BY border, period;
