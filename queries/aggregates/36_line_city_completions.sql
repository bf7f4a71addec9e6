-- Completed trainings per training line, city and end date (the province's mix leaves out another city's regional line: drill_breakdown)
-- A line is a city's own programme when ≥ 80 % of the province's completions in the window are in that city
-- (吕梁山护工 in 吕梁): the shares are summed from these counts for any window start and as-of date.
SELECT t.training_type, u.unit_code AS city_code, t.end_date, count(*) AS completions
FROM completed_training AS t
JOIN unit_members AS u ON u.county_code = t.county_code AND u.unit_type = 'city'
GROUP BY ALL
ORDER BY t.training_type, u.unit_code, t.end_date
