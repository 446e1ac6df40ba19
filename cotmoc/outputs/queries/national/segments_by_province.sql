-- National report, sheet Doan_bien_gioi: one row per province (all its land borders), Vietnamese order.
SELECT province_name, reporting_province_name, collectives, length_km, total_km, km_coverage,
       markers, total_markers, marker_coverage, border_works, households, persons
FROM province_segments_all_borders
WHERE period = $period
ORDER BY province_name COLLATE vi, reporting_province_name COLLATE vi;
