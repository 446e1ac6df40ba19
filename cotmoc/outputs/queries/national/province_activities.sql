-- The activities annex: each province's activities of the period.
SELECT province_name, reporting_province_name, activity, "count", people, teams, since
FROM province_activities WHERE period = $period ORDER BY province_name, activity;
