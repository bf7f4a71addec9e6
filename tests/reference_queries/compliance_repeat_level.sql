-- Compliance (001, 003): the same person trained in the same occupation and skill level more than once in a year
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
subsidised_enrolments AS (
    SELECT * FROM subsidised_enrolments($as_of)
),
repeated_keys AS (
    -- person, occupation, level and year taken more than once (a missing level counts as a level of its own)
    SELECT person_id, occupation, skill_level, year, count(*) AS times
    FROM subsidised_enrolments
    GROUP BY ALL
    HAVING count(*) > 1
),
enrolments_with_repeats AS (
    SELECT e.*, k.times
    FROM subsidised_enrolments AS e
    JOIN repeated_keys AS k
      ON e.person_id = k.person_id AND e.occupation = k.occupation AND e.year = k.year
     AND e.skill_level IS NOT DISTINCT FROM k.skill_level
)
SELECT
    'repeat_level'     AS check_id,
    e.year,
    e.person_id,
    e.occupation,
    e.skill_level,
    e.times,
    e.record_id,
    e.county_code,
    g.unit_label             AS county_name,
    e.institution_id,
    e.training_type,
    e.status,
    e.start_date,
    e.end_date
FROM enrolments_with_repeats AS e
JOIN params AS p ON TRUE
LEFT JOIN region_labels AS g ON g.unit_code = e.county_code
WHERE (p.year IS NULL OR e.year = p.year)
  AND e.county_code IN (SELECT county_code FROM counties_in_scope($county))
ORDER BY e.year, e.person_id, e.occupation, e.skill_level, e.start_date, e.record_id;
