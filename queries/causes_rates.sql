-- A unit's training outcome rates against the documents' thresholds (pass, employment, order/project, caregivers), with unknown outcomes counted
-- @param plan text required
-- @param unit text required
-- @param as_of date required
-- Persons (distinct) with a completed training in the unit between the plan's start and the as-of date. A person's
-- outcome over their enrolments in a population: passed / employed if any enrolment was; employment is unknown
-- while every one of their outcomes is NULL, and rates use known outcomes only. Thresholds:
--   institution_pass_rate ≥ 80 %, institution_employment_rate ≥ 30 % (000: below either loses next year's tasks);
--   trainee_employment_rate ≥ 25 % excluding enterprise employees (001); order_project_employment_rate ≥ 80 %
--   (002, 003); caregiver_cert_rate ≥ 90 % (002: any certificate issued ≤ as-of); caregiver_employed ≥ the
--   unit's target where one exists (002: 柳林县 540).
WITH trainings AS (
    SELECT * FROM unit_completions($plan, $unit, $as_of)
),
rules AS (
    SELECT * FROM (VALUES
        ('institution_pass_rate',         '000',     'rate',  80.0, 1),
        ('institution_employment_rate',   '000',     'rate',  30.0, 2),
        ('trainee_employment_rate',       '001',     'rate',  25.0, 3),
        ('order_project_employment_rate', '002,003', 'rate',  80.0, 4),
        ('caregiver_cert_rate',           '002',     'rate',  90.0, 5)
    ) AS v(metric, seeds, kind, threshold, position)
    UNION ALL
    SELECT 'caregiver_employed', '002', 'count', max(target), 6
    FROM targets
    WHERE metric = 'caregiver_employed' AND unit_code = $unit
    HAVING count(*) > 0
),
outcomes AS (
    -- one row per rule and person: outcome TRUE / FALSE, NULL = not yet known
    SELECT 'institution_pass_rate' AS metric, person_id, coalesce(bool_or(passed), FALSE) AS outcome
    FROM trainings GROUP BY person_id
    UNION ALL
    SELECT 'institution_employment_rate', person_id, bool_or(employed)
    FROM trainings GROUP BY person_id
    UNION ALL
    SELECT 'trainee_employment_rate', person_id, bool_or(employed)
    FROM trainings WHERE person_category <> 'enterprise_employee' GROUP BY person_id
    UNION ALL
    SELECT 'order_project_employment_rate', person_id, bool_or(employed)
    FROM trainings WHERE training_type = 'order_project' GROUP BY person_id
    UNION ALL
    SELECT 'caregiver_cert_rate', t.person_id, coalesce(bool_or(c.first_issue_date <= $as_of), FALSE)
    FROM trainings AS t
    LEFT JOIN person_first_certificate AS c USING (person_id)
    WHERE t.training_type = 'caregiver_brand'
    GROUP BY t.person_id
    UNION ALL
    SELECT 'caregiver_employed', person_id, bool_or(employed)
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
       coalesce(s.hits, 0) AS hits,
       CASE WHEN r.kind = 'rate' THEN round(100.0 * s.hits / nullif(s.known, 0), 4)
            ELSE coalesce(s.hits, 0) END AS value,
       CASE WHEN r.kind = 'rate' AND coalesce(s.known, 0) = 0 THEN NULL
            WHEN r.kind = 'rate' THEN 100.0 * s.hits / s.known >= r.threshold
            ELSE coalesce(s.hits, 0) >= r.threshold END AS met,
       r.position
FROM rules AS r
LEFT JOIN summary AS s USING (metric)
ORDER BY r.position;
