SELECT team_type, provinces_reporting, teams, members, households FROM national_teams
WHERE period = $period ORDER BY teams DESC, team_type;
