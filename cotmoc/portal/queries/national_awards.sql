SELECT issuer, award_form, provinces_reporting, decisions, collectives, individuals FROM national_awards
WHERE period = $period ORDER BY issuer, award_form;
