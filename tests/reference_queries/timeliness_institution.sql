-- 录入及时率 by training institution (不录不补, 002 · 003): share entered within N days, median lag, late entries; ranked
-- @param as_of date required
-- @param year int optional
-- @param unit text optional
-- @param days int default=30
-- @param max_days int default=90
-- @param min_completed int default=1
SELECT rank, ranked_units, unit_key AS institution_id, counties, completed, due, timely, timely_pct, median_lag, late
FROM timeliness_ranked($as_of, $year, $unit, $days, $max_days, 'institution', $min_completed)
ORDER BY rank NULLS LAST, unit_key;
