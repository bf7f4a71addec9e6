-- Group totals of the school units (sums of the units' figures) beside the plan's province-level goals
-- @param plan text required
-- @param as_of date required
WITH plan_progress AS (
    -- every unit the plan names: the school units and the province rows (e.g. 100,000 senior certificates)
    SELECT * FROM unit_progress($plan, NULL, $as_of)
),
school_units AS (
    SELECT p.*, coalesce(s."group", 'other') AS "group"
    FROM plan_progress AS p
    LEFT JOIN schools AS s USING (unit_code)
    WHERE p.unit_type = 'school'
),
group_sums AS (
    SELECT 'group' AS row_kind, "group", metric, count(*) AS units,
           sum(target) AS target, sum(actual) AS actual, sum(expected_actual) AS expected_actual,
           -- the expected % weighted by quota (equal to each unit's own when they share one window)
           sum(target * expected_pct) AS expected_weighted,
           sum(shortfall) AS shortfall, sum(remaining) AS remaining,
           count(*) FILTER (WHERE status <> 'on_track') AS units_behind,
           count(*) FILTER (WHERE status = 'lagging') AS units_lagging,
           min(position) AS position
    FROM school_units
    GROUP BY ALL
),
metric_sums AS (
    -- all listed units of a metric together (e.g. 普通本科 + 高职 for senior certificates)
    SELECT 'units_total' AS row_kind, NULL AS "group", metric, sum(units) AS units,
           sum(target) AS target, sum(actual) AS actual, sum(expected_actual) AS expected_actual,
           sum(expected_weighted) AS expected_weighted, sum(shortfall) AS shortfall, sum(remaining) AS remaining,
           sum(units_behind) AS units_behind, sum(units_lagging) AS units_lagging, min(position) AS position
    FROM group_sums
    GROUP BY ALL
),
sums AS (
    SELECT *,
           CASE WHEN target > 0 THEN 100.0 * actual / target END AS pct_raw,
           CASE WHEN target > 0 THEN expected_weighted / target END AS expected_raw
    FROM (SELECT * FROM group_sums UNION ALL SELECT * FROM metric_sums)
),
goals AS (
    -- the plan's own figure for a region (counts every graduating student there, listed unit or not)
    SELECT 'plan_goal' AS row_kind, NULL AS "group", metric, unit_code, unit_name, NULL AS units,
           target, actual, pct, expected_pct, status, expected_actual, shortfall, remaining,
           NULL AS units_behind, NULL AS units_lagging, position
    FROM plan_progress
    WHERE unit_type <> 'school'
)
SELECT row_kind, "group", metric, NULL AS unit_code, NULL AS unit_name, units, target, actual,
       round(pct_raw, 4) AS pct, round(expected_raw, 4) AS expected_pct, status_of(pct_raw, expected_raw) AS status,
       round(expected_actual, 1) AS expected_actual,
       -- shortfall: the people the units behind their pace are short of it, added up (units ahead add 0)
       round(shortfall, 1) AS shortfall, remaining, units_behind, units_lagging, position
FROM sums
UNION ALL
SELECT * FROM goals
ORDER BY position,
         CASE row_kind WHEN 'plan_goal' THEN 0 WHEN 'units_total' THEN 1 ELSE 2 END,
         CASE "group" WHEN 'undergraduate' THEN 1 WHEN 'higher_vocational' THEN 2
                      WHEN 'city_education_bureau' THEN 3 WHEN 'provincial_secondary' THEN 4 ELSE 5 END;
