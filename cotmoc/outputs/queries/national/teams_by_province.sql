-- National report, sheet To_tu_quan: teams per province and type (the type by its Vietnamese label).
SELECT t.province_name, t.reporting_province_name, coalesce(e.label_vi, t.team_type) AS team_type,
       t.teams, t.members, t.households
FROM province_teams t
LEFT JOIN ref_enumerations e ON e.enum = 'team_type' AND e.code = t.team_type
WHERE t.period = $period
ORDER BY t.province_name COLLATE vi, t.reporting_province_name COLLATE vi, e.sort_order, t.team_type;
