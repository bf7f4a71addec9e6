-- Persons by the date they first reach each training outcome at an institution, per plan, county (or unit) and institution (institution_watchlist sums them up to the as-of date)
-- @plan_window: reads a plan only through the completed trainings ending in its window (plans whose windows hold
-- the same trainings share one computed piece, tracker/aggregates.py)
-- The trainings are unit_completions' (CONTRACT §3: completed, plan start ≤ end_date; §4: never past the deadline).
-- A person's outcome at one institution: completed from their first completion there, passed from their first passed
-- completion, employed from their first employed completion — counted once due, 90 days later (CONTRACT §4; a due
-- outcome left empty is not employed); the same for order / project training (002, 003).
-- Kept small: a person trained by the institution in one county only counts the same in that county's city and the
-- province, so they stand in their county's row only (single_county); the few trained by it in several counties stand
-- in a row of every unit holding one of those counties, with the earliest date there (several_counties). A unit's
-- figure is the single-county rows of its counties plus its own several-counties rows; the county rows of both give
-- each institution's home county.
WITH window_trainings AS (
    SELECT p.plan_id, t.county_code, t.institution_id, t.person_id, t.training_type, t.end_date, t.passed, t.employed
    FROM plans AS p
    JOIN completed_training AS t ON t.end_date BETWEEN p.start AND p.deadline
    WHERE p.plan_id = $plan  -- built plan by plan (each plan one step, in bounded memory)
),
county_firsts AS NOT MATERIALIZED (
    SELECT plan_id, county_code, institution_id, person_id,
           min(end_date) AS completed,
           min(end_date) FILTER (WHERE passed) AS passed,
           min(end_date) FILTER (WHERE employed) AS employed,
           min(end_date) FILTER (WHERE training_type = 'order_project') AS order_completed,
           min(end_date) FILTER (WHERE training_type = 'order_project' AND employed) AS order_employed
    FROM window_trainings
    GROUP BY ALL
),
several_counties AS (
    SELECT plan_id, institution_id, person_id
    FROM county_firsts
    GROUP BY ALL
    HAVING count(*) > 1
),
single_county_firsts AS (
    SELECT 'single_county' AS span, f.plan_id, 'county' AS unit_type, f.county_code AS unit_code, f.institution_id,
           f.completed, f.passed, f.employed, f.order_completed, f.order_employed
    FROM county_firsts AS f
    ANTI JOIN several_counties AS s
        ON s.plan_id = f.plan_id AND s.person_id = f.person_id AND s.institution_id IS NOT DISTINCT FROM f.institution_id
),
several_counties_firsts AS (
    SELECT 'several_counties' AS span, f.plan_id, u.unit_type, u.unit_code, f.institution_id,
           min(f.completed) AS completed, min(f.passed) AS passed, min(f.employed) AS employed,
           min(f.order_completed) AS order_completed, min(f.order_employed) AS order_employed
    FROM county_firsts AS f
    SEMI JOIN several_counties AS s
        ON s.plan_id = f.plan_id AND s.person_id = f.person_id AND s.institution_id IS NOT DISTINCT FROM f.institution_id
    JOIN unit_members AS u ON u.county_code = f.county_code
    GROUP BY f.plan_id, u.unit_type, u.unit_code, f.institution_id, f.person_id
),
outcome_dates AS (
    UNPIVOT (SELECT * FROM single_county_firsts UNION ALL SELECT * FROM several_counties_firsts)
    ON completed, passed, employed, order_completed, order_employed
    INTO NAME outcome VALUE first_date
)
SELECT plan_id, span, unit_type, unit_code, institution_id, outcome, first_date, count(*) AS persons
FROM outcome_dates
GROUP BY ALL
ORDER BY plan_id, unit_code, institution_id, outcome, first_date
