-- Training institutions in a unit below a threshold of the plan's document: pass rate < 80 % or employment < 30 % (000 plans), order/project employment < 80 % (002, 003 plans)
-- @param plan text required
-- @param unit text required
-- @param as_of date required
-- @param min_completed int default=1
-- Persons (distinct) who completed a training of the institution in the unit between the plan's start and the as-of
-- date. Pass rate over all of them; employment over the due cohort (CONTRACT §4: due 90 days after completion, a due
-- outcome left empty is not employed; persons not yet due are 待核实 and left out) — an institution with nobody due
-- is not flagged on employment. Rules apply only under the plans of their document (CONTRACT §4): 000 — an
-- institution below 80 % pass or 30 % employment in the year loses next year's subsidised tasks; 002 and 003 —
-- order/project training is subsidised only at ≥ 80 % employment.
WITH plan_rules AS (
    SELECT seed = '000' AS institution_rules, seed IN ('002', '003') AS order_project_rule
    FROM plans WHERE plan_id = $plan
),
trainings AS (
    SELECT *, outcome_due_on(end_date) <= $as_of AS outcome_due FROM unit_completions($plan, $unit, $as_of)
),
person_outcomes AS (
    -- a person's outcome at one institution: passed if any enrolment there was; due / employed over due enrolments
    SELECT institution_id, person_id,
           coalesce(bool_or(passed), FALSE) AS passed,
           CASE WHEN bool_or(outcome_due) THEN coalesce(bool_or(employed AND outcome_due), FALSE) END AS employed,
           CASE WHEN bool_or(outcome_due AND training_type = 'order_project')
                THEN coalesce(bool_or(employed AND outcome_due AND training_type = 'order_project'), FALSE)
           END AS order_project_employed,
           bool_or(training_type = 'order_project') AS order_project
    FROM trainings
    GROUP BY ALL
),
home_county AS (
    -- the county where the institution trained most persons in the unit
    SELECT institution_id, county_code, count(DISTINCT county_code) OVER (PARTITION BY institution_id) AS counties
    FROM trainings
    GROUP BY institution_id, county_code
    QUALIFY row_number() OVER (PARTITION BY institution_id ORDER BY count(DISTINCT person_id) DESC, county_code) = 1
),
institutions AS (
    SELECT institution_id,
           count(*) AS completed,
           count(*) FILTER (WHERE passed) AS passed,
           count(employed) AS employment_known,
           count(*) FILTER (WHERE employed) AS employed,
           count(*) FILTER (WHERE order_project) AS order_project_completed,
           count(order_project_employed) AS order_project_known,
           count(*) FILTER (WHERE order_project_employed) AS order_project_employed
    FROM person_outcomes
    GROUP BY institution_id
),
rated AS (
    SELECT i.*,
           100.0 * passed / completed AS pass_rate,
           100.0 * employed / nullif(employment_known, 0) AS employment_rate,
           100.0 * order_project_employed / nullif(order_project_known, 0) AS order_project_employment_rate
    FROM institutions AS i
    WHERE completed >= $min_completed
),
flagged AS (
    SELECT r.*,
           p.institution_rules AND r.pass_rate < 80 AS fails_pass,
           p.institution_rules AND coalesce(r.employment_rate < 30, FALSE) AS fails_employment,
           p.order_project_rule AND coalesce(r.order_project_employment_rate < 80, FALSE) AS fails_order_project
    FROM rated AS r, plan_rules AS p
)
SELECT f.institution_id, n.institution_name, h.county_code, r.unit_label AS county_name, h.counties,
       f.completed, f.passed, round(f.pass_rate, 4) AS pass_rate,
       f.employment_known, f.employed, round(f.employment_rate, 4) AS employment_rate,
       f.completed - f.employment_known AS employment_unknown,
       f.order_project_completed, f.order_project_known, f.order_project_employed,
       round(f.order_project_employment_rate, 4) AS order_project_employment_rate,
       f.fails_pass, f.fails_employment, f.fails_order_project,
       concat_ws(',', CASE WHEN f.fails_pass THEN 'pass_rate' END,
                      CASE WHEN f.fails_employment THEN 'employment_rate' END,
                      CASE WHEN f.fails_order_project THEN 'order_project_employment_rate' END) AS failed
FROM flagged AS f
JOIN home_county AS h USING (institution_id)
LEFT JOIN region_labels AS r ON r.unit_code = h.county_code
LEFT JOIN institution_names AS n ON n.institution_id = f.institution_id
WHERE f.fails_pass OR f.fails_employment OR f.fails_order_project
ORDER BY f.fails_pass::INT + f.fails_employment::INT + f.fails_order_project::INT DESC, f.completed DESC, f.institution_id;
