-- National report, sheet Xu_huong: each province's km coverage (all its land borders), period by period.
SELECT CASE WHEN province_name = reporting_province_name THEN province_name
            ELSE province_name || ' (' || reporting_province_name || ')' END AS province,
       period, km_coverage
FROM province_segments_all_borders
WHERE list_contains($periods, period)
ORDER BY province_name COLLATE vi, reporting_province_name COLLATE vi, period;
