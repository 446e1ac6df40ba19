-- National report: each border line's registered km and markers, by its Vietnamese name.
SELECT coalesce(b.label_vi, n.border) AS border, n.provinces_reporting, n.length_km, n.total_km, n.km_coverage,
       n.markers, n.total_markers, n.marker_coverage
FROM national_segments n LEFT JOIN ref_borders b USING (border)
WHERE n.period = $period
ORDER BY n.border;
