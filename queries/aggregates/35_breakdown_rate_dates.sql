-- Persons' completion dates by group (occupation, line, person category, institution), unit and outcome (completed, passed, employed), each with the person's previous such date — drill_breakdown's pass and employment rates for any window start and as-of date
-- drill_breakdown's rates count distinct persons with a completed training of the group in the unit ending in
-- [window start s, as-of a] (passed: a passed one; employment over the due cohort, CONTRACT §4: a completion ending in
-- [s, a − 90], employed when such a one has employed true). A person has a date in [s, a] exactly when one of their
-- dates e in [s, a] has no earlier date in [s, e): its previous date (NULL for the first) is before s. So counting the
-- rows with s ≤ date ≤ a and previous date < s (or NULL) counts each person once, for any s and a, without keying the
-- table by plan.
-- Units: a person with the group's trainings in one county only has the same dates in its city and the province;
-- a person in several counties gets the union of their dates per unit. Occupation, line and category rows are stored
-- for every unit (span 'unit'); institutions (too many to store per city and province) in their counties
-- ('single_county') plus per unit for the persons trained by the institution in several counties ('several_counties').
WITH group_trainings AS NOT MATERIALIZED (
    SELECT 'occupation' AS dimension, occupation AS group_key, county_code, person_id, end_date, passed, employed
    FROM completed_training
    WHERE end_date IS NOT NULL
    UNION ALL
    SELECT 'training_type', training_type, county_code, person_id, end_date, passed, employed
    FROM completed_training
    WHERE end_date IS NOT NULL
    UNION ALL
    SELECT 'person_category', person_category, county_code, person_id, end_date, passed, employed
    FROM completed_training
    WHERE end_date IS NOT NULL
    UNION ALL
    SELECT 'institution', institution_id, county_code, person_id, end_date, passed, employed
    FROM completed_training
    WHERE end_date IS NOT NULL
),
outcome_trainings AS NOT MATERIALIZED (
    SELECT dimension, group_key, county_code, person_id, 'completed' AS outcome, end_date FROM group_trainings
    UNION ALL
    SELECT dimension, group_key, county_code, person_id, 'passed', end_date FROM group_trainings WHERE passed
    UNION ALL
    SELECT dimension, group_key, county_code, person_id, 'employed', end_date FROM group_trainings WHERE employed
),
person_dates AS NOT MATERIALIZED (
    -- most persons have one date per group and outcome: their first date is their only row
    SELECT dimension, group_key, county_code, person_id, outcome,
           min(end_date) AS first_end, max(end_date) AS last_end
    FROM outcome_trainings
    GROUP BY ALL
),
several_counties AS (
    SELECT dimension, group_key, person_id
    FROM person_dates
    WHERE outcome = 'completed'
    GROUP BY ALL
    HAVING count(*) > 1
),
single_county_dates AS (
    -- each person's first date (no previous date) …
    SELECT p.dimension, p.group_key, p.county_code, p.outcome, p.first_end AS first_date, CAST(NULL AS DATE) AS prev_date
    FROM person_dates AS p
    ANTI JOIN several_counties AS s
        ON s.dimension = p.dimension AND s.group_key IS NOT DISTINCT FROM p.group_key AND s.person_id = p.person_id
    UNION ALL
    -- … and, for the few with more dates, each later date with the one before it
    SELECT dimension, group_key, county_code, outcome, end_date, prev_date
    FROM (
        SELECT o.dimension, o.group_key, o.county_code, o.outcome, o.end_date,
               lag(o.end_date) OVER (PARTITION BY o.dimension, o.group_key, o.county_code, o.person_id, o.outcome
                                     ORDER BY o.end_date) AS prev_date
        FROM (SELECT DISTINCT t.dimension, t.group_key, t.county_code, t.person_id, t.outcome, t.end_date
              FROM outcome_trainings AS t
              SEMI JOIN (SELECT * FROM person_dates WHERE last_end > first_end) AS m
                  ON m.dimension = t.dimension AND m.group_key IS NOT DISTINCT FROM t.group_key
                 AND m.county_code = t.county_code AND m.person_id = t.person_id AND m.outcome = t.outcome
              ANTI JOIN several_counties AS s
                  ON s.dimension = t.dimension AND s.group_key IS NOT DISTINCT FROM t.group_key
                 AND s.person_id = t.person_id) AS o
    )
    WHERE prev_date IS NOT NULL
),
single_county_counts AS (
    SELECT dimension, group_key, county_code, outcome, first_date, prev_date, count(*) AS persons
    FROM single_county_dates
    GROUP BY ALL
),
several_counties_dates AS (
    SELECT DISTINCT o.dimension, o.group_key, u.unit_type, u.unit_code, o.person_id, o.outcome, o.end_date
    FROM outcome_trainings AS o
    SEMI JOIN several_counties AS s
        ON s.dimension = o.dimension AND s.group_key IS NOT DISTINCT FROM o.group_key AND s.person_id = o.person_id
    JOIN unit_members AS u ON u.county_code = o.county_code
),
several_counties_counts AS (
    SELECT dimension, group_key, unit_type, unit_code, outcome, first_date, prev_date, count(*) AS persons
    FROM (
        SELECT *, end_date AS first_date,
               lag(end_date) OVER (PARTITION BY dimension, group_key, unit_code, person_id, outcome
                                   ORDER BY end_date) AS prev_date
        FROM several_counties_dates
    )
    GROUP BY ALL
),
unit_counts AS (
    -- occupation, line, category: every unit's full count
    SELECT c.dimension, c.group_key, u.unit_type, u.unit_code, c.outcome, c.first_date, c.prev_date,
           sum(c.persons) AS persons
    FROM (SELECT dimension, group_key, 'county' AS unit_type, county_code AS unit_code, outcome, first_date,
                 prev_date, persons
          FROM single_county_counts
          WHERE dimension <> 'institution') AS c
    JOIN unit_members AS u ON u.county_code = c.unit_code
    GROUP BY ALL
    UNION ALL
    SELECT * FROM several_counties_counts WHERE dimension <> 'institution'
)
SELECT 'unit' AS span, dimension, group_key, unit_type, unit_code, outcome, first_date, prev_date,
       CAST(sum(persons) AS BIGINT) AS persons
FROM unit_counts
GROUP BY ALL
UNION ALL
SELECT 'single_county', dimension, group_key, 'county', county_code, outcome, first_date, prev_date, persons
FROM single_county_counts
WHERE dimension = 'institution'
UNION ALL
SELECT 'several_counties', dimension, group_key, unit_type, unit_code, outcome, first_date, prev_date, persons
FROM several_counties_counts
WHERE dimension = 'institution'
ORDER BY dimension, unit_code, group_key, first_date
