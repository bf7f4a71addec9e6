-- The expected trajectory (时序进度) of each metric of a plan: its points from start to deadline, milestones marked
-- @param plan text required
WITH windows AS (
    SELECT * FROM plan_metric_windows WHERE plan_id = $plan AND kind = 'count'
),
points AS (
    SELECT metric, CAST(start AS DATE) - 1 AS point_date, 0.0 AS share, 'start' AS point_kind FROM windows
    UNION ALL
    SELECT w.metric, m.date, m.share, 'milestone'
    FROM windows AS w
    JOIN milestones AS m ON m.plan_id = w.plan_id AND m.metric = w.metric
    UNION ALL
    SELECT metric, deadline, 1.0, 'deadline' FROM windows
)
SELECT $plan AS plan_id, metric, point_date, max(share) AS share, max(point_kind) AS point_kind
FROM points
GROUP BY ALL
ORDER BY metric, point_date;
