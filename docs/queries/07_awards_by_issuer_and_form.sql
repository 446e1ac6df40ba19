-- Who honours whom: collectives and individuals by issuer and award form, with the Vietnamese labels.
SELECT a.period, i.label_vi AS issuer, f.label_vi AS award_form, a.decisions, a.collectives, a.individuals
FROM national_awards a
JOIN ref_enumerations i ON i.enum = 'issuer' AND i.code = a.issuer
JOIN ref_enumerations f ON f.enum = 'award_form' AND f.code = a.award_form
ORDER BY a.period, i.sort_order, f.sort_order;
