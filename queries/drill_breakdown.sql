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
-- Reads version aggregates, never the raw rows: breakdown_group_firsts (persons by group, unit and the date they first
-- count, per plan), breakdown_attributed_firsts (the same per county and institution, per plan), breakdown_rate_dates
-- (the rates' completion dates by group and unit), institution_trainings (one institution's completed trainings),
-- line_city_completions (where each line is run) and institution_labels (names).
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
    SELECT training_type, city_code,
           sum(completions) / sum(sum(completions)) OVER (PARTITION BY training_type) AS share
    FROM line_city_completions
    WHERE $by = 'training_type' AND end_date BETWEEN (SELECT start FROM metric_window) AND $as_of
    GROUP BY training_type, city_code
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
periods AS (
    -- the current plan up to the as-of date; the previous year's plan up to a year before it
    SELECT 'current' AS period, $plan AS plan_id, $as_of AS counted_until
    UNION ALL
    SELECT 'previous', plan_id, CAST($as_of - INTERVAL 1 YEAR AS DATE) FROM previous_plan
),
has_previous AS (
    -- a previous year to compare with: the plan exists and the data hold something for it (every counted person has a
    -- province row, whatever the grouping)
    SELECT EXISTS (
        SELECT 1
        FROM breakdown_group_firsts AS f
        JOIN previous_plan AS p ON f.plan_id = p.plan_id
        WHERE f.metric = $metric AND f.unit_type = 'province' AND f.dimension = 'training_type'
          AND f.first_date <= CAST($as_of - INTERVAL 1 YEAR AS DATE)
    ) AS available
),
group_firsts AS (
    -- occupation, line, category without an institution: the unit's persons …
    SELECT 'unit' AS population, p.period, f.group_key, f.persons
    FROM breakdown_group_firsts AS f
    JOIN periods AS p ON f.plan_id = p.plan_id AND f.first_date <= p.counted_until
    WHERE $institution IS NULL AND $by <> 'institution'
      AND f.metric = $metric AND f.dimension = $by AND f.unit_code = $unit
      AND $unit IN (SELECT unit_code FROM unit_members)
    UNION ALL
    -- … and the province's (every county of the extract), for the mix
    SELECT 'province', 'current', f.group_key, f.persons
    FROM breakdown_group_firsts AS f
    WHERE $institution IS NULL AND $by <> 'institution'
      AND f.plan_id = $plan AND f.metric = $metric AND f.dimension = $by AND f.unit_type = 'province'
      AND f.first_date <= $as_of
),
attributed_rows AS NOT MATERIALIZED (
    SELECT f.*, p.period
    FROM breakdown_attributed_firsts AS f
    JOIN periods AS p ON f.plan_id = p.plan_id AND f.first_date <= p.counted_until
    WHERE ($institution IS NOT NULL OR $by = 'institution')
      AND f.metric = $metric
      AND ($institution IS NULL OR f.institution_id = $institution)
),
attributed_firsts AS (
    -- by institution, or within one institution: the unit's single-county rows of its counties and its own rows of
    -- persons counted in several counties
    SELECT 'unit' AS population, period,
           CASE $by WHEN 'institution' THEN institution_id
                    WHEN 'occupation' THEN occupation
                    WHEN 'training_type' THEN training_type
                    WHEN 'person_category' THEN person_category END AS group_key,
           persons
    FROM (
        SELECT f.*
        FROM attributed_rows AS f
        JOIN scope_counties AS s ON s.county_code = f.unit_code
        WHERE f.span = 'single_county'
        UNION ALL
        SELECT *
        FROM attributed_rows
        WHERE span = 'several_counties' AND unit_code = $unit
    )
),
counted_groups AS (
    SELECT * FROM group_firsts
    UNION ALL
    SELECT * FROM attributed_firsts
),
group_counts AS (
    SELECT group_key,
           coalesce(CAST(sum(persons) FILTER (WHERE population = 'unit' AND period = 'current') AS BIGINT), 0)
               AS actual,
           coalesce(CAST(sum(persons) FILTER (WHERE population = 'unit' AND period = 'previous') AS BIGINT), 0)
               AS previous_count,
           coalesce(CAST(sum(persons) FILTER (WHERE population = 'province') AS BIGINT), 0) AS all_province_count
    FROM counted_groups
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
rate_dates AS (
    -- occupation, line, category without an institution: the unit's persons with a date in [window start, as-of] — a
    -- date with no earlier one since the window start
    SELECT r.group_key, r.first_date, r.completed, r.passed, r.employed
    FROM breakdown_rate_dates AS r
    WHERE $institution IS NULL AND $by <> 'institution' AND r.dimension = $by AND r.unit_code = $unit
      AND r.first_date BETWEEN (SELECT start FROM metric_window) AND $as_of
      AND (r.prev_date IS NULL OR r.prev_date < (SELECT start FROM metric_window))
),
institution_outcomes AS (
    -- by institution, or within one institution: each person's outcome per group, from the unit's trainings
    SELECT CASE $by WHEN 'institution' THEN t.institution_id
                    WHEN 'occupation' THEN t.occupation
                    WHEN 'training_type' THEN t.training_type
                    WHEN 'person_category' THEN t.person_category END AS group_key,
           t.person_id, bool_or(t.passed) AS passed,
           bool_or(outcome_due_on(t.end_date) <= $as_of) AS outcome_due,
           coalesce(bool_or(t.employed AND outcome_due_on(t.end_date) <= $as_of), FALSE) AS employed
    FROM institution_trainings AS t
    JOIN scope_counties AS s ON s.county_code = t.county_code
    WHERE ($institution IS NOT NULL OR $by = 'institution')
      AND ($institution IS NULL OR t.institution_id = $institution)
      AND t.end_date BETWEEN (SELECT start FROM metric_window) AND $as_of
    GROUP BY ALL
),
group_rates AS (
    -- persons completed, passed, due (employment known: CONTRACT §4, 90 days after completion) and employed when due
    SELECT group_key,
           coalesce(CAST(sum(completed) AS BIGINT), 0) AS completed,
           coalesce(CAST(sum(passed) AS BIGINT), 0) AS passed,
           coalesce(CAST(sum(completed) FILTER (WHERE outcome_due_on(first_date) <= $as_of) AS BIGINT), 0)
               AS employment_known,
           coalesce(CAST(sum(employed) FILTER (WHERE outcome_due_on(first_date) <= $as_of) AS BIGINT), 0) AS employed
    FROM rate_dates
    GROUP BY group_key
    UNION ALL
    SELECT group_key,
           count(*) AS completed,
           count(*) FILTER (WHERE passed) AS passed,
           count(*) FILTER (WHERE outcome_due) AS employment_known,
           count(*) FILTER (WHERE employed) AS employed
    FROM institution_outcomes
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
       CASE WHEN $by = 'institution' THEN (SELECT n.institution_name FROM institution_labels AS n
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
