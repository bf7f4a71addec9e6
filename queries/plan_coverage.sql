-- What the data can say about a plan at a date (CONTRACT §4 data coverage): latest business date L, the date figures are read on, whether the plan's window holds any data, whether it has started
-- @param plan text required
-- @param as_of date required
WITH plan_window AS (
    -- the plan's widest window over its measurable tasks (e.g. seed 004's directed training runs to 11-30)
    SELECT p.plan_id, p.start AS plan_start, p.deadline AS plan_deadline,
           coalesce(min(w.start), p.start) AS window_start, coalesce(max(w.deadline), p.deadline) AS window_end
    FROM plans AS p
    LEFT JOIN plan_metric_windows AS w USING (plan_id)
    WHERE p.plan_id = $plan
    GROUP BY p.plan_id, p.start, p.deadline
),
coverage AS (
    SELECT data_latest() AS data_latest, measured_on($as_of) AS measured_on
)
SELECT w.plan_id, w.plan_start, w.plan_deadline, w.window_start, w.window_end,
       c.data_latest, c.measured_on,
       EXISTS (SELECT 1 FROM business_dates AS b WHERE b.business_date BETWEEN w.window_start AND w.window_end)
           AS has_data,
       CAST($as_of AS DATE) < w.window_start AS not_started,
       -- the plan's figures need data up to the earlier of the as-of date and the plan's last deadline
       coalesce(least(CAST($as_of AS DATE), w.window_end) > c.data_latest, FALSE) AS beyond_data,
       CAST($as_of AS DATE) > w.plan_deadline AS after_deadline
FROM plan_window AS w, coverage AS c;
