-- National report, sheet Xu_huong: collectives and individuals awarded by form, period by period.
SELECT a.period, coalesce(f.label_vi, a.award_form) AS award_form, sum(a.collectives) AS collectives,
       sum(a.individuals) AS individuals
FROM national_awards a
LEFT JOIN ref_enumerations f ON f.enum = 'award_form' AND f.code = a.award_form
WHERE list_contains($periods, a.period)
GROUP BY ALL
ORDER BY min(f.sort_order), 2, 1;
