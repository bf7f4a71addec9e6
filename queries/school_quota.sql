-- Every school unit's certificate quota as of a date: group, city, quota, certified, %, expected %, shortfall, pace needed
-- @param plan text required
-- @param as_of date required
WITH school_progress AS (
    -- the figures of the progress query at level 'school' (one row per school unit and metric)
    SELECT * FROM unit_progress($plan, 'school', $as_of)
),
registry AS (
    -- the unit's group and city as schools.csv lists them (a unit it does not list keeps NULLs)
    SELECT s.unit_code, s."group", s.seq, s.city_code, r.name AS city_name
    FROM schools AS s
    LEFT JOIN regions AS r ON r.code = s.city_code
),
time_left AS (
    -- days_left: days after the as-of date up to the deadline (0 on the deadline day itself, which is still open);
    -- days_open: the days still available for certificates, the as-of day included (0 once the deadline has passed);
    -- days_past: days since the deadline
    SELECT p.*,
           greatest(0, date_diff('day', CAST($as_of AS DATE), p.deadline)) AS days_left,
           greatest(0, date_diff('day', CAST($as_of AS DATE), p.deadline) + 1) AS days_open,
           greatest(0, date_diff('day', p.deadline, CAST($as_of AS DATE))) AS days_past,
           greatest(0, date_diff('day', p.start, least(p.measured_on, p.deadline)) + 1) AS days_elapsed
    FROM school_progress AS p
)
SELECT t.plan_id, t.unit_code, t.unit_name,
       coalesce(g."group", 'other') AS "group",
       g.seq, g.city_code, g.city_name,
       t.metric, t.target, t.actual, t.pct, t.expected_pct, t.gap_pts, t.status,
       t.expected_actual, t.shortfall, t.remaining,
       t.start, t.deadline, t.days_left, t.days_open, t.days_past, t.measured_on,
       -- people per remaining week / 14-day period to reach the quota by the deadline (NULL once it has passed)
       CAST(ceil(t.days_open / 7) AS INTEGER) AS weeks_left,
       CAST(ceil(t.days_open / 14) AS INTEGER) AS periods_left,
       CASE WHEN t.days_open > 0 THEN CAST(ceil(t.remaining / ceil(t.days_open / 7)) AS INTEGER) END AS needed_per_week,
       CASE WHEN t.days_open > 0 THEN CAST(ceil(t.remaining / ceil(t.days_open / 14)) AS INTEGER) END
           AS needed_per_period,
       -- the pace so far, for comparison: certified per week since the start
       CASE WHEN t.days_elapsed > 0 THEN round(t.actual / (t.days_elapsed / 7), 1) END AS actual_per_week,
       t.source
FROM time_left AS t
LEFT JOIN registry AS g USING (unit_code)
ORDER BY CASE g."group" WHEN 'undergraduate' THEN 1 WHEN 'higher_vocational' THEN 2
                        WHEN 'city_education_bureau' THEN 3 WHEN 'provincial_secondary' THEN 4 ELSE 5 END,
         g.seq, t.unit_code, t.position;
