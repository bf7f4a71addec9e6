-- Region units beneath a unit for one metric, ranked by gap to the expected trajectory, each with its share of the shortfall
-- @param plan text required
-- @param metric text required
-- @param unit text required
-- @param level text required
-- @param as_of date required
-- unit: the unit drilled into (province, city or county code); level: the children's level (city or county).
-- shortfall = max(0, target × expected share − actual) from unit_progress; contribution = a child's shortfall ÷ the
-- children's summed shortfall. Children without a target are ranked by actual (ranked_by = 'actual').
WITH scope_counties AS (
    SELECT county_code FROM unit_members WHERE unit_code = $unit
),
children AS (
    SELECT DISTINCT m.unit_code
    FROM unit_members AS m
    JOIN scope_counties USING (county_code)
    WHERE m.unit_type = $level AND m.unit_code <> $unit
),
child_progress AS (
    SELECT p.*
    FROM unit_progress($plan, $level, $as_of) AS p
    JOIN children USING (unit_code)
    WHERE p.metric = $metric
),
parent_actual AS (
    -- the unit's own figure (a person counted in two children counts once here)
    SELECT coalesce(max(value_count), 0) AS parent_actual
    FROM unit_metric_counts($plan, $as_of)
    WHERE unit_code = $unit AND metric = $metric
),
shares AS (
    SELECT c.* REPLACE (CASE WHEN c.target IS NOT NULL THEN c.shortfall END AS shortfall,
                        CASE WHEN c.target IS NOT NULL THEN c.remaining END AS remaining),
           n.parent_code,
           pa.parent_actual,
           c.actual / nullif(pa.parent_actual, 0) AS share_of_parent,
           CASE WHEN c.target IS NOT NULL THEN c.shortfall / nullif(sum(c.shortfall) OVER (), 0) END
               AS contribution
    FROM child_progress AS c
    JOIN unit_names AS n ON n.unit_type = c.unit_type AND n.unit_code = c.unit_code
    CROSS JOIN parent_actual AS pa
)
SELECT plan_id, unit_type, unit_code, unit_name, parent_code, metric, target, actual, pct, expected_pct, status,
       gap_pts, expected_actual, shortfall, remaining,
       round(contribution, 6) AS contribution,
       round(share_of_parent, 6) AS share_of_parent,
       parent_actual,
       CASE WHEN target IS NOT NULL THEN 'gap' ELSE 'actual' END AS ranked_by,
       -- units with a target first, most behind first; the rest by actual, largest first
       row_number() OVER (ORDER BY target IS NULL, gap_pts ASC NULLS LAST, actual DESC, unit_code) AS rank,
       kind, start, deadline, source
FROM shares
ORDER BY rank;
