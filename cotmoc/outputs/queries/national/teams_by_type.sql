-- National report: the nation's teams by type (Vietnamese label), largest first.
SELECT coalesce(e.label_vi, t.team_type) AS team_type, t.teams, t.members
FROM national_teams t
LEFT JOIN ref_enumerations e ON e.enum = 'team_type' AND e.code = t.team_type
WHERE t.period = $period
ORDER BY t.teams DESC, e.sort_order;
