-- The summary sheet's line on activities.
SELECT activity, provinces_reporting, "count", people FROM national_activities WHERE period = $period;
