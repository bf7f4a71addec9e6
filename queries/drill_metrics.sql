-- The plan's count metrics the drill-down ranks: label, levels that carry targets, the unit to open on
-- @param plan text required
-- @param as_of date optional
WITH plan_counts AS (
    SELECT metric, position, start, deadline
    FROM plan_metric_windows
    WHERE plan_id = $plan AND kind = 'count'
),
region_targets AS (
    -- the plan's region units with a target, by level (province 0, city 1, county 2)
    SELECT t.metric, t.unit_type, t.unit_code,
           CASE t.unit_type WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END AS level_rank
    FROM targets AS t
    JOIN regions AS r ON r.code = t.unit_code AND r.level = t.unit_type
    WHERE t.plan_id = $plan AND t.target IS NOT NULL
),
top_targets AS (
    -- the highest level with a target, and how many units hold one there
    SELECT metric, min(level_rank) AS top_rank
    FROM region_targets
    GROUP BY metric
),
home_unit AS (
    -- open on the one unit the plan is for (e.g. 柳林县), else on the province
    SELECT rt.metric, CASE WHEN count(*) = 1 THEN min(rt.unit_code) END AS only_unit
    FROM region_targets AS rt
    JOIN top_targets AS tt ON tt.metric = rt.metric AND tt.top_rank = rt.level_rank
    GROUP BY rt.metric
),
target_levels AS (
    SELECT metric, list(DISTINCT unit_type ORDER BY unit_type) AS target_levels
    FROM region_targets
    GROUP BY metric
),
training_based AS (
    -- metrics counted from completed trainings (so they break down by institution, occupation, line, category)
    SELECT DISTINCT metric FROM metric_training_types
    UNION
    SELECT metric FROM plan_counts WHERE metric LIKE 'trained_certified%'
)
SELECT pc.metric, m.label, m.unit, pc.position, pc.start, pc.deadline,
       coalesce(tl.target_levels, []) AS target_levels,
       coalesce(h.only_unit, (SELECT code FROM regions WHERE level = 'province')) AS home_unit,
       tb.metric IS NOT NULL AS training_based
FROM plan_counts AS pc
JOIN metrics AS m USING (metric)
LEFT JOIN target_levels AS tl USING (metric)
LEFT JOIN home_unit AS h USING (metric)
LEFT JOIN training_based AS tb USING (metric)
ORDER BY pc.position;
