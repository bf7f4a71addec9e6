-- Persons counted for a plan's metric by the date they first count, per unit (county, city, province) and group of the enrolment they are attributed to (occupation, line, person category); built per plan (drill_breakdown sums them up to the as-of date)
-- Rolled up from the plan's breakdown_attributed_firsts: a single-county person counts in their county, its city and
-- the province; a person counted in several counties has their own row per unit. The province's rows take every
-- county of the extract (the province's mix). Institutions are not rolled up here (institution × date × unit would be
-- as large as the persons): drill_breakdown reads them from breakdown_attributed_firsts.
-- Sorted by metric, dimension and unit: one unit's groups are a few row groups.
WITH plan_rows AS (
    SELECT * FROM breakdown_attributed_firsts WHERE plan_id = $plan
),
county_groups AS MATERIALIZED (
    -- single-county persons per county, group and date (persons with no enrolment stay, in the group NULL)
    SELECT metric, unit_code AS county_code, first_date,
           CASE WHEN GROUPING(occupation) = 0 THEN 'occupation'
                WHEN GROUPING(training_type) = 0 THEN 'training_type'
                ELSE 'person_category' END AS dimension,
           coalesce(occupation, training_type, person_category) AS group_key,
           sum(persons) AS persons
    FROM plan_rows
    WHERE span = 'single_county'
    GROUP BY GROUPING SETS ((metric, unit_code, first_date, occupation), (metric, unit_code, first_date, training_type),
                            (metric, unit_code, first_date, person_category))
),
several_counties_rows AS (
    SELECT metric, unit_type, unit_code, 'occupation' AS dimension, occupation AS group_key, first_date, persons
    FROM plan_rows
    WHERE span = 'several_counties'
    UNION ALL
    SELECT metric, unit_type, unit_code, 'training_type', training_type, first_date, persons
    FROM plan_rows
    WHERE span = 'several_counties'
    UNION ALL
    SELECT metric, unit_type, unit_code, 'person_category', person_category, first_date, persons
    FROM plan_rows
    WHERE span = 'several_counties'
),
unit_rows AS (
    SELECT c.metric, u.unit_type, u.unit_code, c.dimension, c.group_key, c.first_date, c.persons
    FROM county_groups AS c
    JOIN unit_members AS u ON u.county_code = c.county_code AND u.unit_type <> 'province'
    UNION ALL
    SELECT metric, 'province', (SELECT code FROM regions WHERE level = 'province'), dimension, group_key, first_date,
           persons
    FROM county_groups
    UNION ALL
    SELECT metric, unit_type, unit_code, dimension, group_key, first_date, persons FROM several_counties_rows
)
SELECT $plan AS plan_id, metric, unit_type, unit_code, dimension, group_key, first_date,
       CAST(sum(persons) AS BIGINT) AS persons
FROM unit_rows
GROUP BY ALL
ORDER BY metric, dimension, unit_code, first_date
