-- National report: the nation's teams, members and households for a period.
SELECT sum(teams), sum(members), sum(households) FROM national_teams WHERE period = $period;
