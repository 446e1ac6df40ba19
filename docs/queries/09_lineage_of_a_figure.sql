-- Where did Điện Biên's 2016 km on the Laos border come from? File, sheet and Excel row of every stretch.
SELECT file_name, sha256, sheet, excel_row, commune, collective, length_km
FROM lineage_segments
WHERE period = '2016' AND province_code = 'dien_bien' AND border = 'VN-LA'
ORDER BY excel_row;
