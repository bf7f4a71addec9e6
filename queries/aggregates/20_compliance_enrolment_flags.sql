-- Enrolments of the persons the subsidised-training checks flag (over_three, repeat_level), with the date from which each is flagged
-- One row per (check, enrolment) of a person-year (over_three) or person-occupation-level-year (repeat_level) that
-- the check flags as of the latest date. "Flagged as of D" is then a filter, for any D:
--   start_date <= D AND flagged_from <= D, times(D) = number of key_start_dates <= D.
-- The enrolments are subsidised_enrolments (queries/models/50_compliance.sql, the one definition) over every date.
-- Sorted by check, year, county so a page's filters skip most row groups.
WITH subsidised_enrolments_all AS (
    -- a check joins an enrolment to its person's key: a row without a person never matches
    SELECT * FROM subsidised_enrolments(DATE '9999-12-31') WHERE person_id IS NOT NULL
),
enrolments_keyed AS (
    -- 001: at most 3 subsidised trainings a person a year → key (person, year), flagged from its 4th start
    SELECT 'over_three' AS check_id, e.*, 4 AS flag_at,
           list(e.start_date ORDER BY e.start_date) OVER w_person_year AS key_start_dates
    FROM subsidised_enrolments_all AS e
    WINDOW w_person_year AS (PARTITION BY e.person_id, e.year)
    UNION ALL
    -- 001 · 003: never the same occupation and level twice in a year → key (person, occupation, level, year),
    -- flagged from its 2nd start (a missing level is a level of its own; a missing occupation never matches)
    SELECT 'repeat_level', e.*, 2,
           list(e.start_date ORDER BY e.start_date) OVER w_person_level_year
    FROM subsidised_enrolments_all AS e
    WHERE e.occupation IS NOT NULL
    WINDOW w_person_level_year AS (PARTITION BY e.person_id, e.occupation, e.skill_level, e.year)
)
SELECT check_id, year, county_code, person_id, record_id, institution_id, training_type, occupation, skill_level,
       status, start_date, end_date,
       key_start_dates[flag_at] AS flagged_from,
       key_start_dates
FROM enrolments_keyed
WHERE len(key_start_dates) >= flag_at
ORDER BY check_id, year, county_code, person_id, start_date, record_id
