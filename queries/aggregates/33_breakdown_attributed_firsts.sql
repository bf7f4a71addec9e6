-- Persons counted for a plan's metric by the date they first count and the enrolment they are attributed to (institution, occupation, line, person category), per county — the few counted in several counties per unit; built per plan (drill_breakdown sums them up to the as-of date)
-- Attribution (drill_breakdown's rule): each person counted for the metric in a unit (once, from their first value
-- event there) belongs to the enrolment through which they first count — their latest completed training of the
-- metric's lines (every line for metrics counted from certificates) in the county of that first event, ending between
-- the metric window's start and that event (ties: the lower record id); persons with no such enrolment form the group
-- NULL. Neither the first event nor the enrolment depends on the as-of date, only whether the first event is ≤ it, so
-- counts by first date summed up to the as-of date give the breakdown.
-- Built per plan ($plan): the plan's value facts end by its deadline (CONTRACT §4), so only the completed trainings
-- ending in the plan's windows can attribute — one plan's step reads one plan's share of the rows. For the metrics
-- counted from their lines' trainings the first event is a training, found with its enrolment in one pass over the
-- trainings (no join); only the others (from certificates, employed caregivers) join their facts to the trainings.
-- Kept small: a person counted in one county only counts the same (date, enrolment) in its city and the province, so
-- they stand in their county's row only (single_county); a person counted in several counties stands in a row of every
-- unit holding one of them, through the earliest event there (date, then county code) (several_counties); the
-- province's row takes every county of the extract (the province's mix).
-- A large plan ($part of $parts: [duckdb] rows_per_count_part rows within its windows) is built part by part of the
-- persons (a person's rows depend on their own facts and trainings only); readers sum the persons of a group.
-- Sorted by metric, county and institution: a county's rows (by institution) and one institution's are few row groups.
WITH windows AS (
    SELECT metric, start AS window_start, deadline FROM plan_metric_windows WHERE plan_id = $plan
),
plan_trainings AS (
    -- completed trainings that can attribute: ending in one of the plan's windows (a value event is ≤ the deadline)
    SELECT t.record_id, t.person_id, t.county_code, t.end_date, t.training_type, t.institution_id, t.occupation,
           t.person_category
    FROM completed_training AS t
    WHERE t.end_date BETWEEN (SELECT min(window_start) FROM windows) AND (SELECT max(deadline) FROM windows)
      AND person_in_part(t.person_id, $part, $parts)
),
line_metrics AS (
    -- metrics whose value facts are their lines' completed trainings in the window (metric_facts' training_lines):
    -- a person's first event in a county is their first such training there, and it is the enrolment they count
    -- through (the latest one ending by then; ties: the lower record id) — read straight from the trainings
    SELECT DISTINCT metric FROM metric_training_types WHERE metric <> 'caregiver_employed'
),
line_firsts AS (
    SELECT mt.metric, t.county_code, t.person_id AS person_key, min(t.end_date) AS first_date,
           arg_min({'institution_id': t.institution_id, 'occupation': t.occupation,
                    'training_type': t.training_type, 'person_category': t.person_category},
                   {'end_date': t.end_date, 'record_id': t.record_id}) AS enrolment
    FROM plan_trainings AS t
    JOIN metric_training_types AS mt ON mt.training_type = t.training_type
    JOIN windows AS w ON w.metric = mt.metric AND t.end_date BETWEEN w.window_start AND w.deadline
    WHERE mt.metric IN (SELECT metric FROM line_metrics) AND mt.metric <> 'training_person_times'
    GROUP BY ALL
),
person_times AS (
    -- person-times count enrolments (the person key is the record id): each counts through itself
    SELECT mt.metric, t.county_code, t.record_id AS person_key, t.end_date AS first_date, t.institution_id,
           t.occupation, t.training_type, t.person_category
    FROM plan_trainings AS t
    JOIN metric_training_types AS mt ON mt.training_type = t.training_type AND mt.metric = 'training_person_times'
    JOIN windows AS w ON w.metric = mt.metric AND t.end_date BETWEEN w.window_start AND w.deadline
),
fact_counted AS MATERIALIZED (
    -- the other metrics (from certificates, employed caregivers): each person once per metric and county, from their
    -- first value event there
    SELECT f.metric, f.county_code, f.person_key, min(f.event_date) AS first_date
    FROM metric_facts_of($part, $parts) AS f
    WHERE f.plan_id = $plan AND f.part = 'value' AND f.metric NOT IN (SELECT metric FROM line_metrics)
    GROUP BY ALL
),
enrolments AS (
    -- the person's completed trainings in that county ending in [window start, first event]
    SELECT c.metric, c.county_code, c.person_key, t.record_id, t.end_date, t.training_type, t.institution_id,
           t.occupation, t.person_category
    FROM fact_counted AS c
    JOIN windows AS w USING (metric)
    JOIN plan_trainings AS t
      ON t.person_id = c.person_key AND t.county_code = c.county_code
     AND t.end_date BETWEEN w.window_start AND c.first_date
),
lined_metrics AS (
    SELECT DISTINCT metric FROM metric_training_types
),
counting_enrolment AS (
    -- of the metric's lines (every line for a metric without lines), the latest one; ties: the lower record id
    SELECT e.metric, e.county_code, e.person_key,
           arg_min({'institution_id': e.institution_id, 'occupation': e.occupation,
                    'training_type': e.training_type, 'person_category': e.person_category},
                   {'days_before': date_diff('day', e.end_date, DATE '9999-12-31'), 'record_id': e.record_id})
               AS enrolment
    FROM enrolments AS e
    LEFT JOIN metric_training_types AS mt ON mt.metric = e.metric AND mt.training_type = e.training_type
    LEFT JOIN lined_metrics AS lm ON lm.metric = e.metric
    WHERE lm.metric IS NULL OR mt.metric IS NOT NULL
    GROUP BY ALL
),
county_counted AS MATERIALIZED (
    SELECT metric, county_code, person_key, first_date, enrolment FROM line_firsts
    UNION ALL
    SELECT c.metric, c.county_code, c.person_key, c.first_date, e.enrolment
    FROM fact_counted AS c
    LEFT JOIN counting_enrolment AS e USING (metric, county_code, person_key)
),
county_attributed AS (
    SELECT metric, county_code, person_key, first_date, enrolment.institution_id, enrolment.occupation,
           enrolment.training_type, enrolment.person_category
    FROM county_counted
),
several_counties AS (
    SELECT metric, person_key
    FROM county_counted
    GROUP BY ALL
    HAVING count(*) > 1
),
single_county_rows AS (
    SELECT 'single_county' AS span, 'county' AS unit_type, a.metric, a.county_code AS unit_code, a.first_date,
           a.institution_id, a.occupation, a.training_type, a.person_category
    FROM county_attributed AS a
    ANTI JOIN several_counties AS s USING (metric, person_key)
    UNION ALL
    SELECT 'single_county', 'county', metric, county_code, first_date, institution_id, occupation, training_type,
           person_category
    FROM person_times
),
several_counties_attributed AS MATERIALIZED (
    SELECT a.*
    FROM county_attributed AS a
    SEMI JOIN several_counties AS s USING (metric, person_key)
),
several_counties_rows AS (
    -- in each unit, the earliest event there (as drill_breakdown's unit_counted orders them); the province's row
    -- takes every county of the extract (the province's mix)
    SELECT 'several_counties' AS span, u.unit_type, a.metric, u.unit_code, a.first_date, a.institution_id,
           a.occupation, a.training_type, a.person_category
    FROM several_counties_attributed AS a
    JOIN unit_members AS u ON u.county_code = a.county_code AND u.unit_type <> 'province'
    QUALIFY row_number() OVER (PARTITION BY a.metric, a.person_key, u.unit_code ORDER BY a.first_date, a.county_code) = 1
    UNION ALL
    SELECT 'several_counties', 'province', a.metric, (SELECT code FROM regions WHERE level = 'province'),
           a.first_date, a.institution_id, a.occupation, a.training_type, a.person_category
    FROM several_counties_attributed AS a
    QUALIFY row_number() OVER (PARTITION BY a.metric, a.person_key ORDER BY a.first_date, a.county_code) = 1
)
SELECT $plan AS plan_id, metric, span, unit_type, unit_code, institution_id, occupation, training_type,
       person_category, first_date, count(*) AS persons
FROM (SELECT * FROM single_county_rows UNION ALL SELECT * FROM several_counties_rows)
GROUP BY ALL
ORDER BY metric, unit_code, institution_id, first_date
