-- One metric's count in a unit by institution, occupation, training line or person category: rates, last year, and what explains the shortfall
-- @param plan text required
-- @param metric text required
-- @param unit text required
-- @param by text required
-- @param institution text optional
-- @param as_of date required
-- by: institution | occupation | training_type | person_category; institution: only that institution's persons.
-- Attribution: each person counted for the metric in the unit (once, as unit_person_first counts them) belongs to
-- the enrolment through which they first count — their latest completed training of the metric's lines in the same
-- county ending between the plan's start and the date they first count. Persons with no such enrolment (metrics
-- counted from certificates) form the group NULL.
-- prev_actual: the same metric in the plan one year earlier (sx-skills-2020 for sx-skills-2021) a year before the
-- as-of date; NULL when no such plan exists or the data hold nothing for it. benchmark: the unit's expected figure (target × expected share) split
-- by the province's mix of groups, so the groups' (benchmark − actual) add up to the unit's gap; not for institutions.
-- The province's mix leaves out regional lines (benchmark_excluded): a training line run (≥ 80 % of the province's
-- completions) in one city is that city's own programme — 吕梁山护工 in 吕梁 — and no yardstick for other regions.
-- Rates count distinct persons over the unit's completed trainings of any line (plan start ≤ end_date ≤ as-of): pass
-- rate over all completed; employment rate over the due cohort (CONTRACT §4: 90 days after completion, a due outcome
-- left empty is not employed); employment_unknown = persons whose outcome is not yet due (待核实).
WITH metric_window AS (
    SELECT start, deadline FROM plan_metric_windows WHERE plan_id = $plan AND metric = $metric
),
previous_plan AS (
    SELECT w.plan_id, w.start
    FROM plan_metric_windows AS w, metric_window AS cur
    WHERE w.metric = $metric AND w.plan_id <> $plan
      AND w.start = CAST(cur.start - INTERVAL 1 YEAR AS DATE)
      AND w.deadline = CAST(cur.deadline - INTERVAL 1 YEAR AS DATE)
    ORDER BY w.plan_id
    LIMIT 1
),
scope_counties AS (
    SELECT county_code FROM unit_members WHERE unit_code = $unit
),
scope_cities AS (
    SELECT DISTINCT unit_code AS city_code
    FROM unit_members
    WHERE unit_type = 'city' AND county_code IN (SELECT county_code FROM scope_counties)
),
line_city_shares AS (
    -- where each training line is run: each city's share of the province's completions in the plan window
    SELECT t.training_type, u.unit_code AS city_code,
           count(*) / sum(count(*)) OVER (PARTITION BY t.training_type) AS share
    FROM completed_training AS t
    JOIN unit_members AS u ON u.county_code = t.county_code AND u.unit_type = 'city'
    WHERE $by = 'training_type' AND t.end_date BETWEEN (SELECT start FROM metric_window) AND $as_of
    GROUP BY t.training_type, u.unit_code
),
regional_lines_elsewhere AS (
    -- lines that are another city's own programme: left out of the province's mix for this unit
    SELECT training_type
    FROM line_city_shares
    WHERE share >= 0.8
      AND city_code NOT IN (SELECT city_code FROM scope_cities)
      AND (SELECT count(*) FROM scope_cities) = 1
),
with_benchmark AS (
    -- the province's mix is a fair yardstick for lines, categories and occupations, not for (local) institutions
    SELECT $by <> 'institution' AND $institution IS NULL AS wanted
),
facts AS (
    SELECT CASE WHEN f.plan_id = $plan THEN 'current' ELSE 'previous' END AS period,
           CASE WHEN f.plan_id = $plan THEN (SELECT start FROM metric_window)
                ELSE (SELECT start FROM previous_plan) END AS window_start,
           f.person_key, f.county_code, f.event_date,
           f.county_code IN (SELECT county_code FROM scope_counties) AS in_scope
    FROM metric_facts AS f
    WHERE f.metric = $metric AND f.part = 'value'
      AND ((f.plan_id = $plan AND f.event_date <= $as_of)
           OR (f.plan_id = (SELECT plan_id FROM previous_plan)
               AND f.event_date <= CAST($as_of - INTERVAL 1 YEAR AS DATE)))
),
has_previous AS (
    -- a previous year to compare with: the plan exists and the data hold something for it
    SELECT EXISTS (SELECT 1 FROM facts WHERE period = 'previous') AS available
),
unit_counted AS (
    -- each person once in the unit, through the first event by which they count
    SELECT 'unit' AS population, period, window_start, person_key, county_code, event_date
    FROM facts
    WHERE in_scope
    QUALIFY row_number() OVER (PARTITION BY period, person_key ORDER BY event_date, county_code) = 1
),
province_counted AS (
    SELECT 'province' AS population, period, window_start, person_key, county_code, event_date
    FROM facts
    WHERE period = 'current' AND (SELECT wanted FROM with_benchmark)
    QUALIFY row_number() OVER (PARTITION BY person_key ORDER BY event_date, county_code) = 1
),
counted AS (
    SELECT * FROM unit_counted
    UNION ALL
    SELECT * FROM province_counted
),
metric_lines AS (
    SELECT training_type FROM metric_training_types WHERE metric = $metric
),
line_trainings AS (
    -- the metric's lines, ending by the as-of date, in the unit (or anywhere, for the province's mix)
    SELECT t.*, CASE WHEN $metric = 'training_person_times' THEN t.record_id ELSE t.person_id END AS person_key
    FROM completed_training AS t
    WHERE (NOT EXISTS (SELECT 1 FROM metric_lines) OR t.training_type IN (SELECT training_type FROM metric_lines))
      AND t.end_date <= $as_of
      AND ((SELECT wanted FROM with_benchmark) OR t.county_code IN (SELECT county_code FROM scope_counties))
),
attributed AS (
    SELECT c.population, c.period, c.person_key, t.institution_id,
           CASE $by WHEN 'institution' THEN t.institution_id
                    WHEN 'occupation' THEN t.occupation
                    WHEN 'training_type' THEN t.training_type
                    WHEN 'person_category' THEN t.person_category END AS group_key
    FROM counted AS c
    LEFT JOIN line_trainings AS t
      ON t.person_key = c.person_key AND t.county_code = c.county_code
     AND t.end_date BETWEEN c.window_start AND c.event_date
    QUALIFY row_number() OVER (PARTITION BY c.population, c.period, c.person_key
                               ORDER BY t.end_date DESC NULLS LAST, t.record_id) = 1
),
group_counts AS (
    SELECT group_key,
           count(*) FILTER (WHERE population = 'unit' AND period = 'current') AS actual,
           count(*) FILTER (WHERE population = 'unit' AND period = 'previous') AS previous_count,
           count(*) FILTER (WHERE population = 'province') AS all_province_count
    FROM attributed
    WHERE $institution IS NULL OR institution_id = $institution
    GROUP BY group_key
),
group_yardstick AS (
    SELECT g.*, r.training_type IS NOT NULL AS benchmark_excluded,
           CASE WHEN r.training_type IS NULL THEN g.all_province_count ELSE 0 END AS province_count
    FROM group_counts AS g
    LEFT JOIN regional_lines_elsewhere AS r ON r.training_type = g.group_key
),
unit_expected AS (
    -- target × expected share of the unit (unit_progress.expected_actual), when the plan gives the unit a target
    SELECT max(t.target * expected_share($plan, $metric, w.start, w.deadline, $as_of)) AS expected_actual
    FROM targets AS t, metric_window AS w
    WHERE t.plan_id = $plan AND t.unit_code = $unit AND t.metric = $metric AND t.target IS NOT NULL
),
outcomes AS (
    -- each person's outcome per group: passed if any enrolment passed; employed NULL while every outcome is unknown
    SELECT CASE $by WHEN 'institution' THEN t.institution_id
                    WHEN 'occupation' THEN t.occupation
                    WHEN 'training_type' THEN t.training_type
                    WHEN 'person_category' THEN t.person_category END AS group_key,
           t.person_id, bool_or(t.passed) AS passed,
           bool_or(outcome_due_on(t.end_date) <= $as_of) AS outcome_due,
           coalesce(bool_or(t.employed AND outcome_due_on(t.end_date) <= $as_of), FALSE) AS employed
    FROM completed_training AS t
    WHERE t.county_code IN (SELECT county_code FROM scope_counties)
      AND t.end_date BETWEEN (SELECT start FROM metric_window) AND $as_of
      AND ($institution IS NULL OR t.institution_id = $institution)
    GROUP BY ALL
),
group_rates AS (
    SELECT group_key,
           count(*) AS completed,
           count(*) FILTER (WHERE passed) AS passed,
           count(*) FILTER (WHERE outcome_due) AS employment_known,
           count(*) FILTER (WHERE employed) AS employed
    FROM outcomes
    GROUP BY group_key
),
compared AS (
    SELECT g.group_key, g.actual, g.benchmark_excluded,
           g.actual / nullif(sum(g.actual) OVER (), 0) AS share,
           CASE WHEN (SELECT available FROM has_previous) THEN g.previous_count END AS prev_actual,
           CASE WHEN (SELECT wanted FROM with_benchmark) AND NOT g.benchmark_excluded
                THEN (SELECT expected_actual FROM unit_expected) * g.province_count
                     / nullif(sum(g.province_count) OVER (), 0) END AS benchmark,
           r.completed, r.passed, r.employment_known, r.employed
    FROM group_yardstick AS g
    LEFT JOIN group_rates AS r ON r.group_key = g.group_key
    WHERE g.actual > 0 OR g.previous_count > 0 OR g.province_count > 0
),
explained AS (
    SELECT *,
           actual - prev_actual AS change,
           benchmark - actual AS benchmark_gap,
           greatest(0, benchmark - actual) / nullif(sum(greatest(0, benchmark - actual)) OVER (), 0) AS contribution,
           CASE WHEN (SELECT expected_actual FROM unit_expected) IS NOT NULL AND (SELECT wanted FROM with_benchmark)
                     THEN 'benchmark'
                WHEN (SELECT available FROM has_previous) THEN 'previous_year'
                ELSE 'actual' END AS ranked_by
    FROM compared
)
SELECT $plan AS plan_id, $metric AS metric, $unit AS unit_code, $by AS dimension, group_key,
       CASE WHEN $by = 'institution' THEN (SELECT n.institution_name FROM institution_names AS n
                                           WHERE n.institution_id = group_key) END AS group_name,
       actual, round(share, 6) AS share, prev_actual, change,
       round(benchmark, 1) AS benchmark, round(benchmark_gap, 1) AS benchmark_gap,
       round(contribution, 6) AS contribution,
       coalesce(completed, 0) AS completed, coalesce(passed, 0) AS passed,
       round(100.0 * passed / nullif(completed, 0), 4) AS pass_rate,
       coalesce(employment_known, 0) AS employment_known, coalesce(employed, 0) AS employed,
       round(100.0 * employed / nullif(employment_known, 0), 4) AS employment_rate,
       coalesce(completed, 0) - coalesce(employment_known, 0) AS employment_unknown,
       ranked_by, benchmark_excluded,
       row_number() OVER (ORDER BY
           CASE ranked_by WHEN 'benchmark' THEN benchmark_gap WHEN 'previous_year' THEN -change ELSE actual END
               DESC NULLS LAST,
           actual DESC, group_key NULLS LAST) AS rank
FROM explained
ORDER BY rank;
