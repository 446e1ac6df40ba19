-- National report, sheet Xu_huong: the periods so far of the report's kind (years with years, halves with
-- halves: a year's report and its second half's describe the same date, and awards are counted per period).
SELECT DISTINCT period
FROM stg_current_submissions
WHERE period_kind(period) = period_kind($period) AND period_end(period) <= period_end($period)
ORDER BY period;
