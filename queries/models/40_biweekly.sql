-- biweekly_series: the 双周调度 series (CONTRACT §3). Period k covers start + 14k … start + 14k + 13;
-- a period's cumulative is the metric as of its last day (or the date figures are read on, for the period
-- holding it); its increment is that cumulative minus the previous period's. CONTRACT §4: figures are never
-- read past the data's latest business date L, and a task's series ends with the period holding its deadline.
CREATE OR REPLACE MACRO biweekly_series(p_plan, p_level, p_as_of) AS TABLE
WITH plan_grid AS (
    SELECT * FROM plan_unit_grid(p_plan, p_level)
),
windows AS (
    -- once per metric window: whether it holds any data, and the last day it is read on
    SELECT DISTINCT metric, start, deadline, window_has_data(start, deadline) AS has_data,
           least(measured_on(p_as_of), deadline) AS read_until
    FROM plan_grid
),
grid AS (
    SELECT g.*, w.has_data, w.read_until
    FROM plan_grid AS g
    JOIN windows AS w USING (metric, start, deadline)
),
periods AS (
    -- period k covers start + 14k … start + 14k + 13; the last one holds the date figures are read on
    SELECT g.*, k AS period
    FROM grid AS g,
         LATERAL (SELECT unnest(range(0, greatest(0, date_diff('day', g.start, g.read_until)) // 14 + 1)) AS k)
    WHERE g.start <= g.read_until
),
first_counts AS (
    -- persons by the period in which they first count, up to the date figures are read on
    SELECT * FROM period_first_counts(p_plan, measured_on(p_as_of))
),
running AS (
    SELECT p.*,
           CAST(p.start + CAST(14 * p.period AS INTEGER) AS DATE) AS period_start,
           CAST(p.start + CAST(14 * p.period + 13 AS INTEGER) AS DATE) AS period_end,
           least(CAST(p.start + CAST(14 * p.period + 13 AS INTEGER) AS DATE), p.read_until) AS measured_on,
           sum(coalesce(fc.value_count, 0)) OVER unit_series AS value_count,
           sum(coalesce(fc.numerator, 0)) OVER unit_series AS numerator,
           sum(coalesce(fc.denominator, 0)) OVER unit_series AS denominator,
           sum(coalesce(fc.cohort, 0)) OVER unit_series AS cohort
    FROM periods AS p
    LEFT JOIN first_counts AS fc USING (unit_type, unit_code, metric, period)
    WINDOW unit_series AS (PARTITION BY p.unit_type, p.unit_code, p.metric ORDER BY p.period)
),
period_shares AS (
    -- the trajectory is evaluated once per metric window and day, not once per unit
    SELECT metric, start, deadline, measured_on,
           expected_share(p_plan, metric, start, deadline, measured_on) AS expected_share
    FROM (SELECT DISTINCT metric, start, deadline, measured_on FROM running)
),
measured AS (
    SELECT r.*,
           CASE WHEN r.has_data THEN metric_value(r.kind, r.value_count, r.numerator, r.denominator) END
               AS cumulative,
           expected_pct(r.kind, s.expected_share, r.target) AS expected_raw
    FROM running AS r
    JOIN period_shares AS s USING (metric, start, deadline, measured_on)
),
compared AS (
    SELECT *, completion_pct(kind, cumulative, target) AS pct_raw FROM measured
),
judged AS (
    SELECT *,
           progress_status(measured_on, start, has_data, cumulative IS NOT NULL, target, pct_raw, expected_raw)
               AS status
    FROM compared
)
SELECT p_plan AS plan_id, unit_code, unit_name, metric, period, period_start, period_end,
       cumulative - coalesce(lag(cumulative) OVER (PARTITION BY unit_type, unit_code, metric ORDER BY period), 0)
           AS increment,
       cumulative, target,
       CASE WHEN status <> 'no_data' THEN pct_raw END AS pct,
       expected_raw AS expected_pct,
       status,
       unit_type, kind, position, measured_on, start, deadline, source,
       period_end <= measured_on(p_as_of) AS complete,
       CASE WHEN kind = 'rate' THEN pending_outcomes(cohort, denominator) END AS pending
FROM judged;

-- remaining_periods: biweekly periods after period k up to the one holding the deadline
CREATE OR REPLACE MACRO remaining_periods(p_start, p_deadline, p_period) AS
    greatest(0, date_diff('day', p_start, p_deadline) // 14 - p_period);

-- needed_per_period: what is left of a target spread over the remaining periods (at least one)
CREATE OR REPLACE MACRO needed_per_period(p_target, p_cumulative, p_remaining_periods) AS
    greatest(0, p_target - p_cumulative) / greatest(1, p_remaining_periods);
