-- Completion projected at the deadline from the recent biweekly pace, people needed per remaining period, and units ranked by risk of missing
-- @param plan text required
-- @param level text optional
-- @param as_of date required
-- @param metric text optional
-- @param within text optional
-- Count metrics only, on the biweekly series (biweekly_series: period k covers start + 14k … start + 14k + 13).
-- pace = the average increment of the last four complete periods (fewer when fewer have ended);
-- remaining_periods = the periods after the one holding the as-of date up to the one holding the deadline (as in
-- the dispatch table); projected = current + pace × remaining_periods; needed_per_period = what is left of the target
-- ÷ remaining_periods (at least one). risk_rank 1 = the lowest projected completion. within: only units inside it.
WITH series AS (
    SELECT *
    FROM biweekly_series($plan, $level, $as_of)
    WHERE kind = 'count' AND ($metric IS NULL OR metric = $metric)
      AND ($within IS NULL OR unit_code IN (
            SELECT m.unit_code FROM unit_members AS m
            WHERE m.county_code IN (SELECT county_code FROM unit_members WHERE unit_code = $within)))
),
current_period AS (
    -- the period holding the as-of date: its cumulative is the figure as of that date
    SELECT *
    FROM series
    QUALIFY period = max(period) OVER (PARTITION BY unit_type, unit_code, metric)
),
recent_periods AS (
    SELECT *
    FROM series
    WHERE complete
    QUALIFY row_number() OVER (PARTITION BY unit_type, unit_code, metric ORDER BY period DESC) <= 4
),
recent_pace AS (
    SELECT unit_type, unit_code, metric, count(*) AS pace_periods, avg(increment) AS pace,
           min(period_start) AS pace_from, max(period_end) AS pace_to
    FROM recent_periods
    GROUP BY ALL
),
projected AS (
    SELECT c.*, p.pace_periods, p.pace, p.pace_from, p.pace_to,
           remaining_periods(c.start, c.deadline, c.period) AS remaining_periods,
           greatest(0, c.target - c.cumulative) AS remaining
    FROM current_period AS c
    LEFT JOIN recent_pace AS p USING (unit_type, unit_code, metric)
),
scored AS (
    SELECT *,
           cumulative + pace * remaining_periods AS projected_actual,
           CASE WHEN target IS NOT NULL THEN needed_per_period(target, cumulative, remaining_periods) END AS needed_raw
    FROM projected
)
SELECT plan_id, unit_type, unit_code, unit_name, metric, target,
       cumulative AS actual, pct, expected_pct, status,
       measured_on, deadline, period AS current_period,
       coalesce(pace_periods, 0) AS pace_periods, pace_from, pace_to, round(pace, 2) AS pace,
       remaining, remaining_periods,
       round(projected_actual, 1) AS projected_actual,
       round(completion_pct(kind, projected_actual, target), 4) AS projected_pct,
       ceil(needed_raw) AS needed_per_period,
       round(needed_raw / nullif(pace, 0), 4) AS needed_vs_pace,
       projected_actual < target AS will_miss,
       CASE WHEN target IS NOT NULL
            THEN row_number() OVER (PARTITION BY unit_type, metric, target IS NOT NULL
                                    ORDER BY completion_pct(kind, projected_actual, target) NULLS FIRST, unit_code)
       END AS risk_rank,
       kind, position, start, source
FROM scored
ORDER BY position, risk_rank NULLS LAST, unit_code;
