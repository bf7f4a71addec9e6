-- Compliance (001): more than 3 subsidised trainings for one person in a year
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
subsidised_enrolments AS (
    SELECT * FROM subsidised_enrolments($as_of)
),
persons_over_three AS (
    SELECT person_id, year, count(*) AS times
    FROM subsidised_enrolments
    GROUP BY ALL
    HAVING count(*) > 3
),
enrolments_per_person_year AS (
    SELECT e.*, k.times
    FROM subsidised_enrolments AS e
    JOIN persons_over_three AS k USING (person_id, year)
)
SELECT
    'over_three'       AS check_id,
    e.year,
    e.person_id,
    e.times,
    e.record_id,
    e.county_code,
    g.unit_label             AS county_name,
    e.institution_id,
    e.training_type,
    e.occupation,
    e.skill_level,
    e.status,
    e.start_date,
    e.end_date
FROM enrolments_per_person_year AS e
JOIN params AS p ON TRUE
LEFT JOIN region_labels AS g ON g.unit_code = e.county_code
WHERE (p.year IS NULL OR e.year = p.year)
  AND e.county_code IN (SELECT county_code FROM counties_in_scope($county))
ORDER BY e.year, e.person_id, e.start_date, e.record_id;
