-- National report, sheet Xu_huong: km and marker coverage of each border line, period by period.
SELECT n.period, coalesce(b.label_vi, n.border) AS border, n.length_km, n.km_coverage, n.markers, n.marker_coverage
FROM national_segments n LEFT JOIN ref_borders b USING (border)
WHERE list_contains($periods, n.period)
ORDER BY n.border, n.period;
