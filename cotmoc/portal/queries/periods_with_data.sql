-- Periods with at least one accepted report (the ones with national figures), newest first.
SELECT DISTINCT period FROM stg_current_submissions ORDER BY period DESC;
