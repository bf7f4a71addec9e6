-- 双周调度表: one period's target, increment, cumulative, completion, expected, gap, rank and rank change, and people needed per remaining period
-- @param plan text required
-- @param level text optional
-- @param as_of date required
-- @param period int optional
WITH series AS (
    SELECT * FROM biweekly_series($plan, $level, $as_of) WHERE target IS NOT NULL
),
chosen_period AS (
    -- default: the period holding the as-of date (its cumulative is the figure as of that date)
    SELECT coalesce($period, (SELECT max(period) FROM series)) AS period
),
ranked AS (
    -- units ranked among their level within each metric by completion (1 = furthest ahead)
    SELECT *, rank() OVER (PARTITION BY unit_type, metric, period ORDER BY pct DESC, unit_code) AS rank
    FROM series
),
this_period AS (
    SELECT r.* FROM ranked AS r, chosen_period AS c WHERE r.period = c.period
),
previous_period AS (
    SELECT r.unit_type, r.unit_code, r.metric, r.rank AS previous_rank, r.pct AS previous_pct
    FROM ranked AS r, chosen_period AS c
    WHERE r.period = c.period - 1
),
remaining AS (
    -- biweekly periods after this one up to the one holding the deadline
    SELECT t.*, remaining_periods(t.start, t.deadline, t.period) AS remaining_periods
    FROM this_period AS t
)
SELECT r.plan_id, r.unit_type, r.unit_code, r.unit_name, r.metric, r.target, r.period, r.period_start, r.period_end,
       r.measured_on, r.increment, r.cumulative, r.pct, r.expected_pct,
       r.pct - r.expected_pct AS gap_pts,
       r.rank, p.previous_rank - r.rank AS rank_change, r.status,
       r.remaining_periods,
       CASE WHEN r.kind = 'count'
            THEN ceil(needed_per_period(r.target, r.cumulative, r.remaining_periods)) END
           AS needed_per_period,
       r.kind, r.position, r.start, r.deadline, r.source, r.complete, p.previous_pct
FROM remaining AS r
LEFT JOIN previous_period AS p USING (unit_type, unit_code, metric)
ORDER BY r.position, r.rank;
