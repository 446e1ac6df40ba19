-- National report: the nation's segment totals for a period (total km = the whole border line).
SELECT sum(collectives), sum(length_km), sum(total_km), sum(length_km) / sum(total_km),
       sum(markers), sum(total_markers), sum(markers) / sum(total_markers),
       sum(border_works), sum(households), sum(persons)
FROM national_segments
WHERE period = $period;
