-- 录入及时率 by county (不录不补, 002 · 003): share of completions entered within N days, median lag, late entries; ranked
-- @param as_of date required
-- @param year int optional
-- @param unit text optional
-- @param days int default=30
-- @param max_days int default=90
SELECT t.rank, t.ranked_units, t.unit_key AS county_code, g.name AS county_name, c.code AS city_code,
       c.name AS city_name, t.completed, t.due, t.timely, t.timely_pct, t.median_lag, t.late
FROM timeliness_ranked($as_of, $year, $unit, $days, $max_days, 'county', 1) AS t
LEFT JOIN regions AS g ON g.code = t.unit_key
LEFT JOIN regions AS c ON c.code = g.parent_code
ORDER BY t.rank NULLS LAST, t.unit_key;
