-- A unit's training outcome rates against the thresholds of the documents that apply to the plan, with 待核实 (outcomes not yet due) beside them
-- @param plan text required
-- @param unit text required
-- @param as_of date required
-- Persons (distinct) with a completed training in the unit between the plan's start and the as-of date (never past
-- the deadline). Thresholds apply only where their document applies (CONTRACT §4):
--   000 plans: institution_pass_rate ≥ 80 %, institution_employment_rate ≥ 30 % (below either loses next year's tasks);
--   001 plans: trainee_employment_rate ≥ 25 % excluding enterprise employees;
--   002 and 003 plans: order_project_employment_rate ≥ 80 %;
--   002 at the units its plan names (柳林县): caregiver_cert_rate ≥ 90 % and caregiver_employed ≥ 540.
-- Employment is read over the due cohort (CONTRACT §4): a person is due when one of their completions is 90 days old,
-- employed when a due completion has employed true (a due outcome left empty is not employed); persons with no due
-- completion yet are 待核实 and left out of the rate. 持证 = a skill certificate issued on or after the caregiver
-- training's start and by the as-of date (not a 培训合格证书).
-- Reads the version aggregate unit_outcome_firsts (persons by the date they first reach each outcome), summed up to
-- the as-of date (employment: up to 90 days before it, when the outcome is due).
WITH plan_seed AS (
    SELECT seed FROM plans WHERE plan_id = $plan
),
unit_named_by_plan AS (
    SELECT count(*) > 0 AS named FROM targets WHERE plan_id = $plan AND unit_code = $unit
),
rules AS (
    SELECT v.*
    FROM (VALUES
        ('institution_pass_rate',         '000', 'rate',  80.0, 1, FALSE),
        ('institution_employment_rate',   '000', 'rate',  30.0, 2, FALSE),
        ('trainee_employment_rate',       '001', 'rate',  25.0, 3, FALSE),
        ('order_project_employment_rate', '002', 'rate',  80.0, 4, FALSE),
        ('order_project_employment_rate', '003', 'rate',  80.0, 4, FALSE),
        ('caregiver_cert_rate',           '002', 'rate',  90.0, 5, TRUE)
    ) AS v(metric, seeds, kind, threshold, position, named_units_only), plan_seed, unit_named_by_plan
    WHERE v.seeds = plan_seed.seed AND (NOT v.named_units_only OR unit_named_by_plan.named)
    UNION ALL
    SELECT 'caregiver_employed', '002', 'count', max(target), 6, TRUE
    FROM targets
    WHERE metric = 'caregiver_employed' AND unit_code = $unit AND plan_id = $plan
    HAVING count(*) > 0
),
reached AS (
    -- persons who reached each outcome by the as-of date; employment outcomes count once due (end + 90 ≤ as-of)
    SELECT outcome,
           CAST(sum(persons) FILTER (WHERE first_date <= $as_of) AS BIGINT) AS by_as_of,
           CAST(sum(persons) FILTER (WHERE outcome_due_on(first_date) <= $as_of) AS BIGINT) AS due
    FROM unit_outcome_firsts
    WHERE plan_id = $plan AND unit_code = $unit
    GROUP BY outcome
),
outcome_counts AS (
    SELECT max(by_as_of) FILTER (WHERE outcome = 'completed') AS completed,
           max(by_as_of) FILTER (WHERE outcome = 'passed') AS passed,
           max(due) FILTER (WHERE outcome = 'completed') AS completed_due,
           max(due) FILTER (WHERE outcome = 'employed') AS employed_due,
           max(by_as_of) FILTER (WHERE outcome = 'trainee_completed') AS trainee_completed,
           max(due) FILTER (WHERE outcome = 'trainee_completed') AS trainee_completed_due,
           max(due) FILTER (WHERE outcome = 'trainee_employed') AS trainee_employed_due,
           max(by_as_of) FILTER (WHERE outcome = 'order_completed') AS order_completed,
           max(due) FILTER (WHERE outcome = 'order_completed') AS order_completed_due,
           max(due) FILTER (WHERE outcome = 'order_employed') AS order_employed_due,
           max(by_as_of) FILTER (WHERE outcome = 'caregiver_completed') AS caregiver_completed,
           max(by_as_of) FILTER (WHERE outcome = 'caregiver_certified') AS caregiver_certified,
           max(by_as_of) FILTER (WHERE outcome = 'caregiver_employed') AS caregiver_employed
    FROM reached
),
summary AS (
    -- persons in the population, persons whose outcome is known, persons with the outcome (pass, 持证 and caregiver
    -- employment are known for everyone; employment once due)
    SELECT v.metric, v.persons, coalesce(v.known, 0) AS known, coalesce(v.hits, 0) AS hits
    FROM outcome_counts AS c,
         LATERAL (VALUES
             ('institution_pass_rate', c.completed, c.completed, c.passed),
             ('institution_employment_rate', c.completed, c.completed_due, c.employed_due),
             ('trainee_employment_rate', c.trainee_completed, c.trainee_completed_due, c.trainee_employed_due),
             ('order_project_employment_rate', c.order_completed, c.order_completed_due, c.order_employed_due),
             ('caregiver_cert_rate', c.caregiver_completed, c.caregiver_completed, c.caregiver_certified),
             ('caregiver_employed', c.caregiver_completed, c.caregiver_completed, c.caregiver_employed)
         ) AS v(metric, persons, known, hits)
    WHERE coalesce(v.persons, 0) > 0
)
SELECT $unit AS unit_code, r.metric, r.seeds, r.kind, r.threshold,
       coalesce(s.persons, 0) AS persons,
       coalesce(s.known, 0) AS known,
       coalesce(s.persons, 0) - coalesce(s.known, 0) AS unknown,
       coalesce(s.persons, 0) - coalesce(s.known, 0) AS pending,
       coalesce(s.hits, 0) AS hits,
       CASE WHEN r.kind = 'rate' THEN 100.0 * s.hits / nullif(s.known, 0)
            ELSE coalesce(s.hits, 0) END AS value,
       CASE WHEN r.kind = 'rate' AND coalesce(s.known, 0) = 0 THEN NULL
            WHEN r.kind = 'rate' THEN 100.0 * s.hits / s.known >= r.threshold
            ELSE coalesce(s.hits, 0) >= r.threshold END AS met,
       r.position
FROM rules AS r
LEFT JOIN summary AS s USING (metric)
ORDER BY r.position;
