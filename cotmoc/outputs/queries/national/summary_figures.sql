-- National report, summary: the headline figures of a period in one row.
SELECT (SELECT sum(length_km) FROM national_segments WHERE period = $period) AS length_km,
       (SELECT sum(total_km) FROM ref_borders) AS border_km,
       (SELECT sum(markers) FROM national_segments WHERE period = $period) AS markers,
       (SELECT sum(households) FROM national_segments WHERE period = $period) AS households,
       (SELECT sum(persons) FROM national_segments WHERE period = $period) AS persons,
       (SELECT sum(collectives) FROM national_segments WHERE period = $period) AS collectives,
       (SELECT sum(teams) FROM national_teams WHERE period = $period) AS teams,
       (SELECT sum(members) FROM national_teams WHERE period = $period) AS members,
       (SELECT sum(decisions) FROM national_awards WHERE period = $period) AS decisions,
       (SELECT sum(collectives) FROM national_awards WHERE period = $period) AS award_collectives,
       (SELECT sum(individuals) FROM national_awards WHERE period = $period) AS award_individuals;
