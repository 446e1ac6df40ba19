-- National report: the nation's award decisions, collectives and individuals for a period.
SELECT sum(decisions), sum(collectives), sum(individuals) FROM national_awards WHERE period = $period;
