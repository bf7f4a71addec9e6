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
WITH plan_seed AS (
    SELECT seed FROM plans WHERE plan_id = $plan
),
trainings AS (
    SELECT *, outcome_due_on(end_date) <= $as_of AS outcome_due FROM unit_completions($plan, $unit, $as_of)
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
employment_outcomes AS (
    -- one row per population and person: employed among due completions; NULL = nothing due yet (待核实)
    SELECT population, person_id,
           CASE WHEN bool_or(outcome_due) THEN coalesce(bool_or(employed AND outcome_due), FALSE) END AS outcome
    FROM (
        SELECT 'institution_employment_rate' AS population, * FROM trainings
        UNION ALL
        SELECT 'trainee_employment_rate', * FROM trainings WHERE person_category <> 'enterprise_employee'
        UNION ALL
        SELECT 'order_project_employment_rate', * FROM trainings WHERE training_type = 'order_project'
    )
    GROUP BY ALL
),
caregiver_certified AS (
    SELECT t.person_id, count(c.cert_id) > 0 AS outcome
    FROM trainings AS t
    LEFT JOIN skill_certificates AS c
      ON c.person_id = t.person_id AND c.issue_date BETWEEN t.start_date AND $as_of
    WHERE t.training_type = 'caregiver_brand'
    GROUP BY t.person_id
),
outcomes AS (
    SELECT 'institution_pass_rate' AS metric, person_id, coalesce(bool_or(passed), FALSE) AS outcome
    FROM trainings GROUP BY person_id
    UNION ALL
    SELECT population, person_id, outcome FROM employment_outcomes
    UNION ALL
    SELECT 'caregiver_cert_rate', person_id, bool_or(outcome) FROM caregiver_certified GROUP BY person_id
    UNION ALL
    SELECT 'caregiver_employed', person_id, coalesce(bool_or(employed), FALSE)
    FROM trainings WHERE training_type = 'caregiver_brand' GROUP BY person_id
),
summary AS (
    SELECT metric,
           count(*) AS persons,
           count(outcome) AS known,
           count(*) FILTER (WHERE outcome) AS hits
    FROM outcomes
    GROUP BY metric
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
