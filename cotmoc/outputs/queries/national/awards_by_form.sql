-- National report: the nation's awards by form (emulation flag > certificate of merit > certificate).
SELECT coalesce(f.label_vi, a.award_form) AS award_form, sum(a.collectives) AS collectives,
       sum(a.individuals) AS individuals
FROM national_awards a
LEFT JOIN ref_enumerations f ON f.enum = 'award_form' AND f.code = a.award_form
WHERE a.period = $period
GROUP BY ALL
ORDER BY min(f.sort_order), 1;
