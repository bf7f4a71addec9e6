-- Persons by the date they first reach each training outcome, per plan, region unit and outcome (causes_rates sums them up to the as-of date)
-- @plan_window: reads a plan only through the completed trainings ending in its window (plans whose windows hold
-- the same trainings share one computed piece, tracker/aggregates.py)
-- The trainings are unit_completions' (CONTRACT §3: completed, plan start ≤ end_date; §4: never past the deadline).
-- For each person and outcome the first end date that gives it; a person counts for an outcome as of D when that
-- date is ≤ D — or, for employment, ≤ D − 90 (CONTRACT §4: an outcome is due 90 days after completion; a due outcome
-- left empty is not employed). 持证 (§4): a skill certificate issued on or after the caregiver training's start; the
-- person is certified from the later of that training's end and the certificate.
-- Units are rolled up from the counties (a city's first date is the earliest of its counties', the province's the
-- earliest anywhere), as unit_first_counts_of does: a person trained in one county only (most) is grouped once, in
-- their county's counts, and only the others per unit.
WITH window_trainings AS (
    SELECT p.plan_id, t.county_code, t.person_id, t.training_type, t.person_category, t.start_date, t.end_date,
           t.passed, t.employed
    FROM plans AS p
    JOIN completed_training AS t ON t.end_date BETWEEN p.start AND p.deadline
    WHERE p.plan_id = $plan  -- built plan by plan (each plan one step, in bounded memory)
),
county_outcomes AS (
    SELECT plan_id, county_code, person_id,
           min(end_date) AS completed,
           min(end_date) FILTER (WHERE passed) AS passed,
           min(end_date) FILTER (WHERE employed) AS employed,
           -- 001: trainees other than enterprise employees
           min(end_date) FILTER (WHERE person_category <> 'enterprise_employee') AS trainee_completed,
           min(end_date) FILTER (WHERE person_category <> 'enterprise_employee' AND employed) AS trainee_employed,
           -- 003 / 002: order / project training
           min(end_date) FILTER (WHERE training_type = 'order_project') AS order_completed,
           min(end_date) FILTER (WHERE training_type = 'order_project' AND employed) AS order_employed,
           -- 002: caregivers (吕梁山护工)
           min(end_date) FILTER (WHERE training_type = 'caregiver_brand') AS caregiver_completed,
           min(end_date) FILTER (WHERE training_type = 'caregiver_brand' AND employed) AS caregiver_employed
    FROM window_trainings
    GROUP BY ALL
),
county_certified AS (
    SELECT t.plan_id, t.county_code, t.person_id, min(greatest(t.end_date, c.issue_date)) AS caregiver_certified
    FROM window_trainings AS t
    JOIN skill_certificates AS c ON c.person_id = t.person_id AND c.issue_date >= t.start_date
    WHERE t.training_type = 'caregiver_brand'
    GROUP BY ALL
),
county_firsts AS NOT MATERIALIZED (
    SELECT o.*, c.caregiver_certified
    FROM county_outcomes AS o
    LEFT JOIN county_certified AS c USING (plan_id, county_code, person_id)
),
several_counties AS (
    SELECT plan_id, person_id FROM county_firsts GROUP BY ALL HAVING count(*) > 1
),
single_county_counts AS (
    -- a person trained in one county only has the same first dates in its city and the province
    SELECT plan_id, county_code, outcome, first_date, count(*) AS persons
    FROM (
        UNPIVOT (SELECT f.* FROM county_firsts AS f ANTI JOIN several_counties AS s USING (plan_id, person_id))
        ON completed, passed, employed, trainee_completed, trainee_employed, order_completed, order_employed,
           caregiver_completed, caregiver_employed, caregiver_certified
        INTO NAME outcome VALUE first_date
    )
    GROUP BY ALL
),
several_counties_firsts AS (
    -- the few trained in several counties: their earliest dates in each unit
    SELECT f.plan_id, u.unit_type, u.unit_code, f.person_id,
           min(completed) AS completed, min(passed) AS passed, min(employed) AS employed,
           min(trainee_completed) AS trainee_completed, min(trainee_employed) AS trainee_employed,
           min(order_completed) AS order_completed, min(order_employed) AS order_employed,
           min(caregiver_completed) AS caregiver_completed, min(caregiver_employed) AS caregiver_employed,
           min(caregiver_certified) AS caregiver_certified
    FROM county_firsts AS f
    SEMI JOIN several_counties AS s USING (plan_id, person_id)
    JOIN unit_members AS u USING (county_code)
    GROUP BY f.plan_id, u.unit_type, u.unit_code, f.person_id
),
unit_counts AS (
    SELECT c.plan_id, u.unit_type, u.unit_code, c.outcome, c.first_date, c.persons
    FROM single_county_counts AS c
    JOIN unit_members AS u USING (county_code)
    UNION ALL
    SELECT plan_id, unit_type, unit_code, outcome, first_date, 1
    FROM (
        UNPIVOT several_counties_firsts
        ON completed, passed, employed, trainee_completed, trainee_employed, order_completed, order_employed,
           caregiver_completed, caregiver_employed, caregiver_certified
        INTO NAME outcome VALUE first_date
    )
)
SELECT plan_id, unit_type, unit_code, outcome, first_date, CAST(sum(persons) AS BIGINT) AS persons
FROM unit_counts
GROUP BY ALL
ORDER BY plan_id, unit_code, outcome, first_date
