-- Enrolments of the persons the subsidised-training checks flag (over_three, repeat_level), with the date from which each is flagged
-- One row per (check, enrolment) of a person-year (over_three) or person-occupation-level-year (repeat_level) that
-- the check flags as of the latest date. "Flagged as of D" is then a filter, for any D:
--   start_date <= D AND flagged_from <= D, times(D) = number of key_start_dates <= D.
-- The enrolments are subsidised_enrolments (queries/models/50_compliance.sql, the one definition) over every date.
-- Sorted by check, year, county so a page's filters skip most row groups.
WITH subsidised_enrolments_all AS (
    -- a check joins an enrolment to its person's key: a row without a person never matches
    SELECT record_id, person_id, year, county_code, institution_id, training_type, occupation, skill_level, status,
           start_date, end_date
    FROM subsidised_enrolments(DATE '9999-12-31')
    WHERE person_id IS NOT NULL
),
person_years_with_repeats AS (
    -- both checks need a person with two or more subsidised enrolments in a year: one pass over every enrolment
    SELECT person_id, year
    FROM subsidised_enrolments_all
    GROUP BY ALL
    HAVING count(*) > 1
),
enrolments_of_repeaters AS (
    SELECT e.*
    FROM subsidised_enrolments_all AS e
    SEMI JOIN person_years_with_repeats AS k USING (person_id, year)
),
person_years_over_three AS (
    -- 001: at most 3 subsidised trainings a person a year → flagged from the start of the 4th
    SELECT person_id, year, list_sort(list(start_date)) AS key_start_dates
    FROM enrolments_of_repeaters
    GROUP BY ALL
    HAVING count(*) > 3
),
levels_repeated AS (
    -- 001 · 003: never the same occupation and level twice in a year → flagged from the start of the 2nd
    -- (a missing level is a level of its own; a missing occupation never matches)
    SELECT person_id, occupation, skill_level, year, list_sort(list(start_date)) AS key_start_dates
    FROM enrolments_of_repeaters
    WHERE occupation IS NOT NULL
    GROUP BY ALL
    HAVING count(*) > 1
),
flagged_enrolments AS (
    SELECT 'over_three' AS check_id, e.*, k.key_start_dates, k.key_start_dates[4] AS flagged_from
    FROM enrolments_of_repeaters AS e
    JOIN person_years_over_three AS k USING (person_id, year)
    UNION ALL
    SELECT 'repeat_level', e.*, k.key_start_dates, k.key_start_dates[2]
    FROM enrolments_of_repeaters AS e
    JOIN levels_repeated AS k
      ON e.person_id = k.person_id AND e.occupation = k.occupation AND e.year = k.year
     AND e.skill_level IS NOT DISTINCT FROM k.skill_level
)
SELECT check_id, year, county_code, person_id, record_id, institution_id, training_type, occupation, skill_level,
       status, start_date, end_date, flagged_from, key_start_dates
FROM flagged_enrolments
ORDER BY check_id, year, county_code, person_id, start_date, record_id
