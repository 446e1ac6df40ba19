-- National report, sheet Khen_thuong: awards per province, issuer and form (Vietnamese labels).
SELECT a.province_name, a.reporting_province_name, coalesce(i.label_vi, a.issuer) AS issuer,
       coalesce(f.label_vi, a.award_form) AS award_form, a.decisions, a.collectives, a.individuals
FROM province_awards a
LEFT JOIN ref_enumerations i ON i.enum = 'issuer' AND i.code = a.issuer
LEFT JOIN ref_enumerations f ON f.enum = 'award_form' AND f.code = a.award_form
WHERE a.period = $period
ORDER BY a.province_name COLLATE vi, a.reporting_province_name COLLATE vi, i.sort_order, f.sort_order;
