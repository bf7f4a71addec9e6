-- unit_person_first: when each person first counts, per plan, metric, part and unit (region or school).
-- Persons are counted once per metric and unit (CONTRACT §3), so every count below is a count of these rows.
-- (The definition; unit_first_counts_of below computes the same counts without expanding every fact to its
-- three regions.)
CREATE OR REPLACE VIEW unit_person_first AS
SELECT f.plan_id, f.metric, f.part, u.unit_type, u.unit_code, f.person_key, min(f.event_date) AS first_date
FROM metric_facts AS f
JOIN unit_members AS u USING (county_code)
GROUP BY ALL
UNION ALL
SELECT plan_id, metric, part, 'school', school_unit, person_key, min(event_date)
FROM metric_facts
WHERE school_unit IS NOT NULL
GROUP BY ALL;

-- unit_first_counts: persons by the date they first count, per plan, metric, part and unit. The runner fills it
-- once per plan and data version from unit_first_counts_of(plan) (so pages and the CLI sum a small table
-- instead of re-deriving person-level facts on every request).
CREATE OR REPLACE TABLE unit_first_counts (
    plan_id VARCHAR, metric VARCHAR, part VARCHAR, unit_type VARCHAR, unit_code VARCHAR, first_date DATE,
    persons BIGINT
);

-- unit_period_counts: unit_first_counts summed per biweekly period of the metric's window (period k covers
-- start + 14k … start + 14k + 13), per plan, unit and metric. The runner fills it beside unit_first_counts, once per
-- plan and process, so a figure sums a few rows per period instead of every day of every unit (Liulin at 10M: 452k
-- daily rows, 30k periods); only the period holding the as-of date is summed from the daily counts
-- (period_first_counts).
CREATE OR REPLACE TABLE unit_period_counts (
    plan_id VARCHAR, unit_type VARCHAR, unit_code VARCHAR, metric VARCHAR, start DATE, period BIGINT,
    value_count HUGEINT, numerator HUGEINT, denominator HUGEINT, cohort HUGEINT
);

-- period_of: the biweekly period of a window (from p_start) that holds p_date
CREATE OR REPLACE MACRO period_of(p_start, p_date) AS date_diff('day', p_start, p_date) // 14;

-- unit_period_counts_of: one plan's rows of unit_period_counts, from its rows of unit_first_counts
CREATE OR REPLACE MACRO unit_period_counts_of(p_plan) AS TABLE
SELECT f.plan_id, f.unit_type, f.unit_code, f.metric, w.start, period_of(w.start, f.first_date) AS period,
       sum(f.persons) FILTER (WHERE f.part = 'value') AS value_count,
       sum(f.persons) FILTER (WHERE f.part = 'num') AS numerator,
       sum(f.persons) FILTER (WHERE f.part = 'den') AS denominator,
       sum(f.persons) FILTER (WHERE f.part = 'cohort') AS cohort
FROM unit_first_counts AS f
JOIN plan_metric_windows AS w USING (plan_id, metric)
WHERE f.plan_id = p_plan
GROUP BY ALL;

-- period_first_counts: persons by the biweekly period in which they first count, per unit and metric, counting
-- first dates up to p_through: the periods before the one holding p_through as summed once per plan, that one from
-- the daily counts up to p_through (a period before it ends before p_through, one after it starts after)
CREATE OR REPLACE MACRO period_first_counts(p_plan, p_through) AS TABLE
WITH through_periods AS (
    SELECT metric, start, period_of(start, CAST(p_through AS DATE)) AS through_period
    FROM plan_metric_windows
    WHERE plan_id = p_plan
),
through_bounds AS (
    -- a day before any day of the period holding p_through (a bound the daily counts' sorted dates skip to)
    SELECT *, CAST(start + CAST(14 * through_period - 14 AS INTEGER) AS DATE) AS before_through_period
    FROM through_periods
)
SELECT c.unit_type, c.unit_code, c.metric, c.start, c.period, c.value_count, c.numerator, c.denominator, c.cohort
FROM unit_period_counts AS c
JOIN through_bounds AS b USING (metric, start)
WHERE c.plan_id = p_plan AND c.period < b.through_period
UNION ALL
SELECT f.unit_type, f.unit_code, f.metric, b.start, b.through_period,
       sum(f.persons) FILTER (WHERE f.part = 'value'),
       sum(f.persons) FILTER (WHERE f.part = 'num'),
       sum(f.persons) FILTER (WHERE f.part = 'den'),
       sum(f.persons) FILTER (WHERE f.part = 'cohort')
FROM unit_first_counts AS f
JOIN through_bounds AS b ON b.metric = f.metric AND f.first_date > b.before_through_period
WHERE f.plan_id = p_plan AND f.first_date <= CAST(p_through AS DATE)
  AND period_of(b.start, f.first_date) = b.through_period
GROUP BY ALL;

-- unit_first_counts_of: unit_person_first counted by first date, for one plan. Rolled up from one grouping per
-- person: a person counted in one county only (most) has the same first date in that county, its city and the
-- province; only the few counted in several counties are grouped per county and city again.
-- Part p_part of p_parts of the persons (person_key's bucket) counts only their facts: a person is counted within
-- one part, so the parts' counts add up to the whole (a province-size extract is counted part by part, in bounded
-- memory; the runner sums them).
CREATE OR REPLACE MACRO unit_first_counts_of(p_plan, p_part := 0, p_parts := 1) AS TABLE
WITH plan_facts AS MATERIALIZED (
    SELECT metric, part, county_code, school_unit, person_key, event_date
    FROM metric_facts_of(p_part, p_parts)
    WHERE plan_id = p_plan
),
counties AS (
    SELECT code AS county_code, parent_code AS city_code FROM regions WHERE level = 'county'
),
person_first AS MATERIALIZED (
    SELECT metric, part, person_key, min(event_date) AS first_date,
           min(county_code) AS county_code, min(county_code) <> max(county_code) AS several_counties
    FROM plan_facts
    WHERE county_code IN (SELECT county_code FROM counties)
    GROUP BY ALL
),
several_county_first AS MATERIALIZED (
    -- the few counted in several counties: their first date in each county
    SELECT f.metric, f.part, f.county_code, c.city_code, f.person_key, min(f.event_date) AS first_date
    FROM plan_facts AS f
    JOIN counties AS c USING (county_code)
    SEMI JOIN (SELECT metric, part, person_key FROM person_first WHERE several_counties) AS p
        USING (metric, part, person_key)
    GROUP BY ALL
),
county_first AS (
    SELECT metric, part, county_code, first_date FROM person_first WHERE NOT several_counties
    UNION ALL
    SELECT metric, part, county_code, first_date FROM several_county_first
),
city_first AS (
    SELECT p.metric, p.part, c.city_code, p.first_date
    FROM person_first AS p
    JOIN counties AS c USING (county_code)
    WHERE NOT p.several_counties
    UNION ALL
    SELECT metric, part, city_code, min(first_date)
    FROM several_county_first
    GROUP BY metric, part, city_code, person_key
),
school_first AS (
    SELECT metric, part, school_unit, min(event_date) AS first_date
    FROM plan_facts
    WHERE school_unit IS NOT NULL
    GROUP BY metric, part, school_unit, person_key
)
SELECT p_plan AS plan_id, metric, part, 'county' AS unit_type, county_code AS unit_code, first_date,
       count(*) AS persons
FROM county_first
GROUP BY ALL
UNION ALL
SELECT p_plan, metric, part, 'city', city_code, first_date, count(*)
FROM city_first
GROUP BY ALL
UNION ALL
SELECT p_plan, metric, part, 'province', (SELECT code FROM regions WHERE level = 'province'), first_date, count(*)
FROM person_first
GROUP BY ALL
UNION ALL
SELECT p_plan, metric, part, 'school', school_unit, first_date, count(*)
FROM school_first
GROUP BY ALL;

-- plan_unit_grid: the (unit, metric) rows a plan is reported on, with target and window.
--   level NULL  → every unit the plan's targets name (e.g. 柳林县 for liulin-2023, the 119 schools for sx-edu-2021)
--   level given → every unit of that level (regions.csv; for 'school' the plan's school targets); units the
--                 plan gives no target get target NULL
CREATE OR REPLACE MACRO plan_unit_grid(p_plan, p_level) AS TABLE
WITH plan_metrics AS (
    SELECT metric, kind, position, start, deadline FROM plan_metric_windows WHERE plan_id = p_plan
),
named_targets AS (
    SELECT t.unit_type, t.unit_code, t.unit_name, t.metric, t.target, t.source
    FROM targets AS t
    JOIN plan_metrics USING (metric)
    WHERE t.plan_id = p_plan
),
requested AS (
    SELECT unit_type, unit_code, unit_name, metric
    FROM named_targets
    WHERE p_level IS NULL OR (p_level = 'school' AND unit_type = 'school')
    UNION ALL
    SELECT r.level, r.code, r.name, pm.metric
    FROM regions AS r, plan_metrics AS pm
    WHERE r.level = p_level
)
SELECT q.unit_type, q.unit_code, coalesce(l.unit_label, q.unit_name) AS unit_name, q.metric, pm.kind, pm.position,
       pm.start, pm.deadline, nt.target, nt.source
FROM requested AS q
JOIN plan_metrics AS pm USING (metric)
LEFT JOIN named_targets AS nt USING (unit_type, unit_code, metric)
LEFT JOIN region_labels AS l USING (unit_type, unit_code);

-- unit_metric_counts: persons counted as of a date, per unit and metric (value, or num/den for rates)
CREATE OR REPLACE MACRO unit_metric_counts(p_plan, p_as_of) AS TABLE
SELECT unit_type, unit_code, metric,
       sum(value_count) AS value_count, sum(numerator) AS numerator, sum(denominator) AS denominator,
       sum(cohort) AS cohort
FROM period_first_counts(p_plan, p_as_of)
GROUP BY ALL;

-- metric_value: a count, or a rate in percent — empty (NULL) while nobody is in the denominator (CONTRACT §4)
CREATE OR REPLACE MACRO metric_value(p_kind, p_value_count, p_numerator, p_denominator) AS
    CASE WHEN p_kind = 'rate'
         THEN CASE WHEN coalesce(p_denominator, 0) = 0 THEN NULL
                   ELSE 100.0 * coalesce(p_numerator, 0) / p_denominator END
         ELSE coalesce(p_value_count, 0) END;

-- pending (待核实): employment-rate cohort members whose outcome is not yet due (CONTRACT §4)
CREATE OR REPLACE MACRO pending_outcomes(p_cohort, p_denominator) AS
    CASE WHEN p_cohort IS NOT NULL THEN greatest(0, p_cohort - coalesce(p_denominator, 0)) END;

-- completion_pct: a count against its target; a rate target is met by the rate itself
CREATE OR REPLACE MACRO completion_pct(p_kind, p_actual, p_target) AS
    CASE WHEN p_target IS NULL THEN NULL
         WHEN p_kind = 'rate' THEN p_actual
         WHEN p_target = 0 THEN NULL
         ELSE 100.0 * p_actual / p_target END;

-- expected_pct: the time-based expectation (share of the trajectory); for a rate target, the target rate
CREATE OR REPLACE MACRO expected_pct(p_kind, p_share, p_target) AS
    CASE WHEN p_kind = 'rate' THEN p_target ELSE 100.0 * p_share END;

-- unit_progress: every unit and metric of a plan as of a date (CONTRACT §3, with §4's revisions):
--   measured_on  the date figures are read on: the as-of date, never past the data's latest business date L
--   status       on_track / behind / lagging, or not_started / no_data (progress_status); NULL without a target
--   gap_pts      completion − expected, in percentage points: negative means behind (one sign everywhere)
--   pending      待核实: employment-rate cohort members whose outcome is not yet due
CREATE OR REPLACE MACRO unit_progress(p_plan, p_level, p_as_of) AS TABLE
WITH read_on AS (
    SELECT measured_on(p_as_of) AS measured_on, data_latest() AS data_latest
),
plan_grid AS (
    SELECT * FROM plan_unit_grid(p_plan, p_level)
),
windows AS (
    -- evaluated once per metric window, not once per unit: the trajectory at the date figures are read on, and
    -- whether the window holds any data at all
    SELECT metric, start, deadline,
           expected_share(p_plan, metric, start, deadline, (SELECT measured_on FROM read_on)) AS expected_share,
           window_has_data(start, deadline) AS has_data
    FROM (SELECT DISTINCT metric, start, deadline FROM plan_grid)
),
grid AS (
    SELECT g.*, w.expected_share, w.has_data
    FROM plan_grid AS g
    JOIN windows AS w USING (metric, start, deadline)
),
counts AS (
    SELECT * FROM unit_metric_counts(p_plan, (SELECT measured_on FROM read_on))
),
measured AS (
    SELECT g.*, coalesce(c.numerator, 0) AS numerator, coalesce(c.denominator, 0) AS denominator,
           CASE WHEN g.kind = 'rate' THEN pending_outcomes(c.cohort, c.denominator) END AS pending,
           CASE WHEN g.has_data THEN metric_value(g.kind, c.value_count, c.numerator, c.denominator) END AS actual
    FROM grid AS g
    LEFT JOIN counts AS c USING (unit_type, unit_code, metric)
),
compared AS (
    SELECT m.*,
           completion_pct(m.kind, m.actual, m.target) AS pct_raw,
           expected_pct(m.kind, m.expected_share, m.target) AS expected_raw,
           CASE WHEN m.kind = 'count' THEN m.expected_share END AS share
    FROM measured AS m
),
scored AS (
    SELECT *,
           progress_status(p_as_of, start, has_data, actual IS NOT NULL, target, pct_raw, expected_raw) AS status
    FROM compared
),
judged AS (
    -- a completion the data cannot support is left empty (before the start, or without data); the time-expected
    -- share stays, since it depends on the calendar only
    SELECT * REPLACE (CASE WHEN status IN ('not_started', 'no_data') THEN NULL ELSE pct_raw END AS pct_raw)
    FROM scored
)
SELECT p_plan AS plan_id, unit_type, unit_code, unit_name, metric, target, actual,
       pct_raw AS pct, expected_raw AS expected_pct, status,
       kind, position, start, deadline, source,
       pct_raw - expected_raw AS gap_pts,
       CASE WHEN kind = 'count' THEN round(target * share, 1) END AS expected_actual,
       CASE WHEN kind = 'count' AND pct_raw IS NOT NULL
            THEN greatest(0, round(target * share - actual, 1)) END AS shortfall,
       CASE WHEN kind = 'count' AND target IS NOT NULL THEN greatest(0, target - coalesce(actual, 0)) END AS remaining,
       numerator, denominator, pending,
       (SELECT measured_on FROM read_on) AS measured_on,
       (SELECT data_latest FROM read_on) AS data_latest,
       has_data
FROM judged;
