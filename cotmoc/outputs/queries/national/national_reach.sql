SELECT provinces_reporting, communes_covered, communes_total, coverage_communes, districts, border_posts
FROM national_reach WHERE period = $period;
