-- Directed training (院校定向培训): the province's cumulative trainees against the milestones, and one school's share
-- @param plan text required
-- @param unit text optional
-- @param as_of date required
WITH goal AS (
    -- the plan's directed-training target (province-wide) and its window
    SELECT g.unit_code, g.metric, g.target, g.start, g.deadline
    FROM plan_unit_grid($plan, NULL) AS g
    WHERE g.metric = 'directed_training' AND g.unit_type <> 'school'
),
points AS (
    -- the day before the start, month ends and milestone dates to the deadline, and the as-of date
    SELECT g.*, CAST(least(m + INTERVAL 1 MONTH - INTERVAL 1 DAY, g.deadline) AS DATE) AS point_date
    FROM goal AS g,
         LATERAL (SELECT unnest(generate_series(date_trunc('month', g.start), date_trunc('month', g.deadline),
                                                INTERVAL 1 MONTH)) AS m)
    UNION
    SELECT g.*, ms.date FROM goal AS g JOIN milestones AS ms ON ms.plan_id = $plan AND ms.metric = g.metric
    UNION
    SELECT g.*, CAST($as_of AS DATE) FROM goal AS g WHERE $as_of BETWEEN g.start AND g.deadline
    UNION
    SELECT g.*, CAST(g.start - 1 AS DATE) FROM goal AS g  -- the origin of the trajectory
),
province_counts AS (
    -- persons by the date they first count (the progress figure's own counts: completed school_directed
    -- trainings, distinct persons)
    SELECT f.first_date, f.persons
    FROM unit_first_counts AS f
    JOIN goal AS g USING (unit_code, metric)
    WHERE f.plan_id = $plan AND f.unit_type <> 'school' AND f.part = 'value' AND f.first_date <= $as_of
),
school_trainees AS (
    -- the same trainings run by the chosen school (training.school_name is the school's name)
    SELECT t.person_id, min(t.end_date) AS first_date
    FROM goal AS g
    JOIN metric_training_types AS mt USING (metric)
    JOIN completed_training AS t ON t.training_type = mt.training_type AND t.end_date >= g.start
    JOIN schools AS s ON s.name = t.school_name
    WHERE s.unit_code = $unit AND t.end_date <= $as_of
    GROUP BY t.person_id
),
province_cumulative AS (
    SELECT p.point_date, coalesce(sum(v.persons), 0) AS persons
    FROM points AS p LEFT JOIN province_counts AS v ON v.first_date <= p.point_date
    GROUP BY ALL
),
school_cumulative AS (
    SELECT p.point_date, count(v.person_id) AS persons
    FROM points AS p LEFT JOIN school_trainees AS v ON v.first_date <= p.point_date
    GROUP BY ALL
)
SELECT p.point_date, p.target,
       p.point_date <= $as_of AS measured,
       ms.share AS milestone_share,
       round(p.target * expected_share($plan, p.metric, p.start, p.deadline, p.point_date), 1) AS expected,
       CASE WHEN p.point_date <= $as_of THEN CAST(pc.persons AS BIGINT) END AS province_cumulative,
       CASE WHEN p.point_date <= $as_of THEN sc.persons END AS school_cumulative,
       p.start, p.deadline
FROM points AS p
JOIN province_cumulative AS pc USING (point_date)
JOIN school_cumulative AS sc USING (point_date)
LEFT JOIN milestones AS ms ON ms.plan_id = $plan AND ms.metric = p.metric AND ms.date = p.point_date
ORDER BY p.point_date;
