-- Quảng Ngãi's series including Kon Tum's reports before the July 2025 merger, with each report's source.
SELECT period, reporting_province_name, sum(length_km) AS length_km, sum(total_km) AS total_km
FROM province_segments
WHERE province_code = 'quang_ngai'
GROUP BY ALL
ORDER BY period, reporting_province_name;
