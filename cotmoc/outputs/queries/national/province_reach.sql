-- The activities annex: each province's communes, districts and border posts, where it reported any.
SELECT province_name, reporting_province_name, communes_covered, communes_total,
       coverage_communes, districts, border_posts
FROM province_segments_all_borders WHERE period = $period
  AND (communes_covered IS NOT NULL OR communes_total IS NOT NULL OR districts IS NOT NULL
       OR border_posts IS NOT NULL)
ORDER BY province_name;
