-- One school unit's pace: graduates certified cumulatively at each month end against the expected trajectory
-- @param plan text required
-- @param unit text required
-- @param as_of date required
WITH unit_targets AS (
    SELECT g.metric, g.target, g.start, g.deadline
    FROM plan_unit_grid($plan, 'school') AS g
    WHERE g.unit_code = $unit
),
points AS (
    -- the day before the start, every month end to the deadline (or to a later as-of date), and the as-of date
    SELECT t.*, CAST(least(m + INTERVAL 1 MONTH - INTERVAL 1 DAY, greatest(t.deadline, $as_of)) AS DATE) AS point_date
    FROM unit_targets AS t,
         LATERAL (SELECT unnest(generate_series(date_trunc('month', t.start),
                                                date_trunc('month', greatest(t.deadline, $as_of)),
                                                INTERVAL 1 MONTH)) AS m)
    UNION
    SELECT t.*, CAST($as_of AS DATE) FROM unit_targets AS t WHERE $as_of >= t.start
    UNION
    SELECT t.*, CAST(t.start - 1 AS DATE) FROM unit_targets AS t  -- the origin: nobody yet, nothing expected
),
first_counts AS (
    -- persons by the date they first count for this unit (the progress figure's own counts)
    SELECT metric, first_date, persons
    FROM unit_first_counts
    WHERE plan_id = $plan AND unit_type = 'school' AND unit_code = $unit AND part = 'value' AND first_date <= $as_of
),
cumulative AS (
    SELECT p.metric, p.point_date, coalesce(sum(c.persons), 0) AS persons
    FROM points AS p
    LEFT JOIN first_counts AS c ON c.metric = p.metric AND c.first_date <= p.point_date
    GROUP BY ALL
)
SELECT p.metric, p.point_date, p.target,
       p.point_date <= $as_of AS measured,
       CASE WHEN p.point_date <= $as_of THEN CAST(c.persons AS BIGINT) END AS cumulative,
       round(p.target * expected_share($plan, p.metric, p.start, p.deadline, p.point_date), 1) AS expected,
       p.start, p.deadline
FROM points AS p
JOIN cumulative AS c USING (metric, point_date)
ORDER BY p.metric, p.point_date;
