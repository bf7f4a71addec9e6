-- Persons' completion dates by group (occupation, line, person category) and unit, each with the person's previous such date — drill_breakdown's pass and employment rates for any window start and as-of date
-- drill_breakdown's rates count distinct persons with a completed training of the group in the unit ending in
-- [window start s, as-of a] (passed: a passed one; employment over the due cohort, CONTRACT §4: a completion ending in
-- [s, a − 90], employed when such a one has employed true). A person has a date in [s, a] exactly when one of their
-- dates e in [s, a] has no earlier date in [s, e): its previous date (NULL for the first) is before s. So summing the
-- rows with s ≤ date ≤ a and previous date < s (or NULL) counts each person once, for any s and a (the rates are not
-- bounded by a plan's deadline, so this table is not built per plan). Each outcome (completed, passed, employed) is its
-- own sequence of dates: a row's count stands in the column of the sequence it belongs to; rows without a previous
-- date hold all three.
-- Bounded work: a person with one completed training (most) has that date, without a previous one, in each of its
-- groups — counted straight from the trainings, never grouped by person; only the persons with several completed
-- trainings are followed one by one.
-- Units: a person with the group's trainings in one county only has the same dates in its city and the province; a
-- person in several counties gets the union of their dates per unit. Institutions are not stored here (too many per
-- date): drill_breakdown rates them from institution_trainings.
-- Sorted by dimension and unit: one unit's groups are a few row groups.
WITH trainings AS (
    SELECT county_code, person_id, occupation, training_type, person_category, end_date, passed, employed
    FROM completed_training
    WHERE end_date IS NOT NULL
),
repeat_persons AS MATERIALIZED (
    SELECT person_id FROM trainings GROUP BY person_id HAVING count(*) > 1
),
once_counts AS (
    -- one completed training: its date is the person's only date in each of its groups
    SELECT CASE WHEN GROUPING(occupation) = 0 THEN 'occupation'
                WHEN GROUPING(training_type) = 0 THEN 'training_type'
                ELSE 'person_category' END AS dimension,
           coalesce(occupation, training_type, person_category) AS group_key,
           county_code, end_date AS first_date, CAST(NULL AS DATE) AS prev_date,
           count(*) AS completed, count(*) FILTER (WHERE passed) AS passed, count(*) FILTER (WHERE employed) AS employed
    FROM trainings
    ANTI JOIN repeat_persons USING (person_id)
    GROUP BY GROUPING SETS ((county_code, end_date, occupation), (county_code, end_date, training_type),
                            (county_code, end_date, person_category))
),
repeat_trainings AS MATERIALIZED (
    SELECT t.* FROM trainings AS t SEMI JOIN repeat_persons USING (person_id)
),
group_trainings AS (
    SELECT 'occupation' AS dimension, occupation AS group_key, county_code, person_id, end_date, passed, employed
    FROM repeat_trainings
    UNION ALL
    SELECT 'training_type', training_type, county_code, person_id, end_date, passed, employed FROM repeat_trainings
    UNION ALL
    SELECT 'person_category', person_category, county_code, person_id, end_date, passed, employed FROM repeat_trainings
),
outcome_dates AS MATERIALIZED (
    SELECT DISTINCT dimension, group_key, county_code, person_id, outcome, end_date
    FROM (
        SELECT dimension, group_key, county_code, person_id, 'completed' AS outcome, end_date FROM group_trainings
        UNION ALL
        SELECT dimension, group_key, county_code, person_id, 'passed', end_date FROM group_trainings WHERE passed
        UNION ALL
        SELECT dimension, group_key, county_code, person_id, 'employed', end_date FROM group_trainings WHERE employed
    )
),
several_counties AS MATERIALIZED (
    SELECT dimension, group_key, person_id
    FROM outcome_dates
    WHERE outcome = 'completed'
    GROUP BY ALL
    HAVING min(county_code) <> max(county_code)
),
repeat_county_dates AS (
    -- persons trained in the group in one county: each date with the one before it there
    SELECT o.dimension, o.group_key, o.county_code, o.outcome, o.end_date AS first_date,
           lag(o.end_date) OVER (PARTITION BY o.dimension, o.group_key, o.county_code, o.person_id, o.outcome
                                 ORDER BY o.end_date) AS prev_date
    FROM outcome_dates AS o
    ANTI JOIN several_counties AS s
        ON s.dimension = o.dimension AND s.group_key IS NOT DISTINCT FROM o.group_key AND s.person_id = o.person_id
),
county_counts AS (
    SELECT dimension, group_key, county_code, first_date, prev_date, completed, passed, employed FROM once_counts
    UNION ALL
    SELECT dimension, group_key, county_code, first_date, prev_date,
           count(*) FILTER (WHERE outcome = 'completed'), count(*) FILTER (WHERE outcome = 'passed'),
           count(*) FILTER (WHERE outcome = 'employed')
    FROM repeat_county_dates
    GROUP BY ALL
),
several_counties_dates AS (
    -- persons trained in the group in several counties: the union of their dates in each unit
    SELECT dimension, group_key, unit_type, unit_code, outcome, end_date AS first_date,
           lag(end_date) OVER (PARTITION BY dimension, group_key, unit_code, person_id, outcome
                               ORDER BY end_date) AS prev_date
    FROM (
        SELECT DISTINCT o.dimension, o.group_key, u.unit_type, u.unit_code, o.person_id, o.outcome, o.end_date
        FROM outcome_dates AS o
        SEMI JOIN several_counties AS s
            ON s.dimension = o.dimension AND s.group_key IS NOT DISTINCT FROM o.group_key AND s.person_id = o.person_id
        JOIN unit_members AS u ON u.county_code = o.county_code
    )
),
unit_rows AS (
    SELECT c.dimension, c.group_key, u.unit_type, u.unit_code, c.first_date, c.prev_date, c.completed, c.passed,
           c.employed
    FROM county_counts AS c
    JOIN unit_members AS u ON u.county_code = c.county_code
    UNION ALL
    SELECT dimension, group_key, unit_type, unit_code, first_date, prev_date,
           CAST(outcome = 'completed' AS INTEGER), CAST(outcome = 'passed' AS INTEGER),
           CAST(outcome = 'employed' AS INTEGER)
    FROM several_counties_dates
)
SELECT dimension, group_key, unit_type, unit_code, first_date, prev_date,
       CAST(sum(completed) AS BIGINT) AS completed, CAST(sum(passed) AS BIGINT) AS passed,
       CAST(sum(employed) AS BIGINT) AS employed
FROM unit_rows
GROUP BY ALL
ORDER BY dimension, unit_code, group_key, first_date
