SELECT border, provinces_reporting, collectives, length_km, total_km, km_coverage, markers, border_works,
       households, persons
FROM national_segments WHERE period = $period ORDER BY border;
