-- National report, summary: provinces expected, accepted, rejected and missing for a period.
SELECT count(*) AS expected, count(*) FILTER (status = 'accepted') AS accepted,
       count(*) FILTER (status = 'rejected') AS rejected, count(*) FILTER (status = 'missing') AS missing
FROM completeness
WHERE period = $period;
