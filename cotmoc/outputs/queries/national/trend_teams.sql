-- National report, sheet Xu_huong: teams and members of each type, period by period.
SELECT t.period, coalesce(e.label_vi, t.team_type) AS team_type, t.teams, t.members
FROM national_teams t
LEFT JOIN ref_enumerations e ON e.enum = 'team_type' AND e.code = t.team_type
WHERE list_contains($periods, t.period)
ORDER BY e.sort_order, t.team_type, t.period;
