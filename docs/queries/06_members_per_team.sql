-- Average members per team, by province and team type (the ten largest).
SELECT period, province_name, team_type, teams, members, round(members / teams, 1) AS members_per_team
FROM province_teams
WHERE teams > 0
ORDER BY members_per_team DESC
LIMIT 10;
