-- 录入及时率 of one region unit (county, city or province): its figures and its rank among the units of its level
-- @param as_of date required
-- @param unit text required
-- @param year int optional
-- @param days int default=30
-- @param max_days int default=90
WITH target AS (
    SELECT code, level FROM regions WHERE code = $unit
)
SELECT t.code AS unit_code, t.level AS unit_type, r.completed, r.due, r.timely, r.timely_pct, r.median_lag, r.late,
       r.rank, r.ranked_units
FROM target AS t
LEFT JOIN timeliness_ranked($as_of, $year, NULL, $days, $max_days, (SELECT level FROM target), 1) AS r
    ON r.unit_key = t.code;
