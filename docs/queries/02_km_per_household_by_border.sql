-- Registered km per registered household, by border and period.
SELECT period, border, round(sum(length_km) / nullif(sum(households), 0), 4) AS km_per_household,
       sum(households) AS households
FROM province_segments
GROUP BY period, border
ORDER BY period, border;
