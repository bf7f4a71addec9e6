-- 资金测算: entitled subsidy month by month against the allocation spread over the plan's time (时序进度)
-- @param plan text required
-- @param as_of date optional
-- @param unit text default=140000
-- One row per month of the plan's window up to the as-of date; month_end is the month's last day (or the as-of
-- date). expected_amount = allocation × the time-expected share at month_end (CONTRACT §3, linear: no milestones).
WITH plan_window AS (
    SELECT plan_id, start, deadline, least(deadline, CAST($as_of AS DATE)) AS until FROM plans WHERE plan_id = $plan
),
months AS (
    SELECT least(last_day(m), w.until) AS month_end, w.plan_id, w.start, w.deadline
    FROM plan_window AS w, range(date_trunc('month', w.start), w.until + INTERVAL 1 DAY, INTERVAL 1 MONTH) AS r(m)
),
priced AS (
    -- subsidy_priced's records summed per county, institution, line and date (version aggregate)
    SELECT p.*
    FROM subsidy_priced_totals($plan, $as_of) AS p
    WHERE p.county_code IN (SELECT county_code FROM counties_in_scope($unit))
),
entitled_by_month AS (
    SELECT
        last_day(event_date)                                      AS month_last,
        sum(entitled)                                             AS entitled,
        sum(entitled) FILTER (WHERE record_kind = 'training')     AS entitled_training,
        sum(entitled) FILTER (WHERE record_kind = 'certificate')  AS entitled_certificate
    FROM priced
    GROUP BY ALL
),
allocation AS (
    SELECT sum(allocation) AS allocation, bool_or(demo) AS allocation_demo
    FROM subsidy_allocation($plan)
    WHERE unit_code = $unit
)
SELECT
    m.month_end,
    coalesce(e.entitled, 0)                                                      AS entitled,
    sum(coalesce(e.entitled, 0)) OVER (ORDER BY m.month_end)                     AS cumulative,
    sum(coalesce(e.entitled_training, 0)) OVER (ORDER BY m.month_end)            AS cumulative_training,
    sum(coalesce(e.entitled_certificate, 0)) OVER (ORDER BY m.month_end)         AS cumulative_certificate,
    a.allocation,
    coalesce(a.allocation_demo, false)                                           AS allocation_demo,
    100 * expected_share(m.plan_id, 'subsidy', m.start, m.deadline, m.month_end) AS expected_pct,
    a.allocation * expected_share(m.plan_id, 'subsidy', m.start, m.deadline, m.month_end) AS expected_amount
FROM months AS m
LEFT JOIN entitled_by_month AS e ON e.month_last = last_day(m.month_end)
CROSS JOIN allocation AS a
ORDER BY m.month_end;
