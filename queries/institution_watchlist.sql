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
-- Reads the version aggregate institution_outcome_firsts (persons by the date they first reach each outcome at an
-- institution), summed up to the as-of date (employment: up to 90 days before it, when the outcome is due).
WITH plan_rules AS (
    SELECT seed = '000' AS institution_rules, seed IN ('002', '003') AS order_project_rule
    FROM plans WHERE plan_id = $plan
),
scope_counties AS (
    SELECT county_code FROM unit_members WHERE unit_code = $unit
),
firsts AS NOT MATERIALIZED (
    SELECT f.*, outcome_due_on(f.first_date) <= $as_of AS outcome_due
    FROM institution_outcome_firsts AS f
    WHERE f.plan_id = $plan AND f.first_date <= $as_of
),
unit_firsts AS (
    -- the unit's persons: single-county rows of its counties, several-counties rows of the unit itself
    SELECT f.*
    FROM firsts AS f
    JOIN scope_counties AS s ON s.county_code = f.unit_code
    WHERE f.span = 'single_county'
    UNION ALL
    SELECT *
    FROM firsts
    WHERE span = 'several_counties' AND unit_code = $unit
),
home_county AS (
    -- the county where the institution trained most persons in the unit
    SELECT institution_id, unit_code AS county_code,
           count(*) OVER (PARTITION BY institution_id) AS counties
    FROM firsts AS f
    JOIN scope_counties AS s ON s.county_code = f.unit_code
    WHERE f.unit_type = 'county' AND f.outcome = 'completed'
    GROUP BY institution_id, unit_code
    QUALIFY row_number() OVER (PARTITION BY institution_id ORDER BY sum(persons) DESC, unit_code) = 1
),
institutions AS (
    SELECT institution_id,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'completed') AS BIGINT), 0) AS completed,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'passed') AS BIGINT), 0) AS passed,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'completed' AND outcome_due) AS BIGINT), 0)
               AS employment_known,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'employed' AND outcome_due) AS BIGINT), 0) AS employed,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'order_completed') AS BIGINT), 0)
               AS order_project_completed,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'order_completed' AND outcome_due) AS BIGINT), 0)
               AS order_project_known,
           coalesce(CAST(sum(persons) FILTER (WHERE outcome = 'order_employed' AND outcome_due) AS BIGINT), 0)
               AS order_project_employed
    FROM unit_firsts
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
LEFT JOIN institution_labels AS n ON n.institution_id = f.institution_id
WHERE f.fails_pass OR f.fails_employment OR f.fails_order_project
ORDER BY f.fails_pass::INT + f.fails_employment::INT + f.fails_order_project::INT DESC, f.completed DESC, f.institution_id;
