-- The activities annex: the nation's activities of the period, over the provinces that reported them.
SELECT activity, provinces_reporting, "count", people, teams, since
FROM national_activities WHERE period = $period ORDER BY activity;
