-- Persons counted for a metric by the date they first count, per plan, unit (county, city, province) and group of the enrolment they are attributed to (occupation, line, person category) — drill_breakdown sums them up to the as-of date
-- Rolled up from breakdown_attributed_firsts: a single-county person counts in their county, its city and the
-- province; a person counted in several counties has their own row per unit. Institutions are not rolled up here
-- (institution × date × unit would be as large as the persons): drill_breakdown reads them from
-- breakdown_attributed_firsts.
WITH counties AS (
    SELECT code AS county_code, parent_code AS city_code FROM regions WHERE level = 'county'
),
unit_rows AS (
    SELECT f.plan_id, f.metric, 'county' AS unit_type, f.unit_code, f.first_date, f.institution_id, f.occupation,
           f.training_type, f.person_category, f.persons
    FROM breakdown_attributed_firsts AS f
    WHERE f.span = 'single_county'
    UNION ALL
    SELECT f.plan_id, f.metric, 'city', c.city_code, f.first_date, f.institution_id, f.occupation,
           f.training_type, f.person_category, f.persons
    FROM breakdown_attributed_firsts AS f
    JOIN counties AS c ON c.county_code = f.unit_code
    WHERE f.span = 'single_county'
    UNION ALL
    -- the province's mix takes every county of the extract
    SELECT f.plan_id, f.metric, 'province', (SELECT code FROM regions WHERE level = 'province'), f.first_date,
           f.institution_id, f.occupation, f.training_type, f.person_category, f.persons
    FROM breakdown_attributed_firsts AS f
    WHERE f.span = 'single_county'
    UNION ALL
    SELECT plan_id, metric, unit_type, unit_code, first_date, institution_id, occupation, training_type,
           person_category, persons
    FROM breakdown_attributed_firsts
    WHERE span = 'several_counties'
),
group_rows AS (
    SELECT plan_id, metric, unit_type, unit_code, 'occupation' AS dimension, occupation AS group_key, first_date,
           sum(persons) AS persons
    FROM unit_rows
    GROUP BY ALL
    UNION ALL
    SELECT plan_id, metric, unit_type, unit_code, 'training_type', training_type, first_date, sum(persons)
    FROM unit_rows
    GROUP BY ALL
    UNION ALL
    SELECT plan_id, metric, unit_type, unit_code, 'person_category', person_category, first_date, sum(persons)
    FROM unit_rows
    GROUP BY ALL
)
SELECT plan_id, metric, unit_type, unit_code, dimension, group_key, first_date, CAST(persons AS BIGINT) AS persons
FROM group_rows
ORDER BY plan_id, metric, dimension, unit_code, first_date
