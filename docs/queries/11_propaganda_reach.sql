-- Propaganda: attendances per session by province, beside its border communes and posts (NULL: not reported).
SELECT a.period, a.province_name, a.reporting_province_name, a."count" AS sessions, a.people AS attendances,
       round(a.people / a."count", 1) AS attendances_per_session,
       s.communes_covered, s.communes_total, s.coverage_communes, s.border_posts
FROM province_activities a
LEFT JOIN province_segments_all_borders s USING (period, submission_id)
WHERE a.activity = 'tuyen_truyen' AND a."count" > 0
ORDER BY a.period, a.province_name;
