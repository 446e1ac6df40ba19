-- Periods for which at least one report is accepted (the ones worth exporting).
SELECT DISTINCT period FROM stg_current_submissions ORDER BY period;
