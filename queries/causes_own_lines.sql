-- The training lines the unit's own document sets targets for (e.g. 柳林县's four lines of 1,500 in 002), each against its target and the time-expected share, furthest behind first
-- @param plan text required
-- @param unit text required
-- @param as_of date required
-- @param metric text optional
-- metric: only the lines that make up that metric (training_total → Liulin's four lines, not its caregivers).
-- Empty when the plan gives the unit no line targets: then causes fall back to the province's mix (drill_breakdown).
WITH parts_of_metric AS (
    -- the lines whose training types all belong to the metric asked about (every line when none is asked)
    SELECT l.metric
    FROM metric_lines AS l
    JOIN metric_training_types AS lt ON lt.metric = l.metric
    LEFT JOIN metric_training_types AS mt ON mt.metric = $metric AND mt.training_type = lt.training_type
    GROUP BY l.metric
    HAVING $metric IS NULL OR (count(mt.training_type) = count(*) AND l.metric <> $metric)
),
own_lines AS (
    SELECT p.*
    FROM unit_progress($plan, NULL, $as_of) AS p
    JOIN parts_of_metric AS l USING (metric)
    WHERE p.unit_code = $unit AND p.kind = 'count' AND p.target IS NOT NULL
)
SELECT plan_id, unit_code, unit_name, metric, target, actual, pct, expected_pct, gap_pts, status,
       expected_actual, shortfall, remaining, source, measured_on,
       shortfall / nullif(sum(shortfall) OVER (), 0) AS contribution,
       row_number() OVER (ORDER BY gap_pts NULLS LAST, position) AS rank
FROM own_lines
ORDER BY rank;
