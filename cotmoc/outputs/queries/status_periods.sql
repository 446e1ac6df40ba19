-- `cotmoc status` by default: the $last most recent periods that have reports (accepted or rejected), and the
-- periods due now (the latest ended period of each kind: what provinces should be sending), oldest first.
WITH with_data AS (
    SELECT DISTINCT period FROM completeness WHERE status <> 'missing'
    ORDER BY period_end(period) DESC, period DESC LIMIT $last),
due_now AS (
    SELECT arg_max(period, period_end(period)) AS period FROM completeness
    WHERE period_end(period) < $today GROUP BY period_kind(period))
SELECT period FROM (SELECT period FROM with_data UNION SELECT period FROM due_now)
ORDER BY period_end(period), period;
