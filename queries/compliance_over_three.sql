-- Compliance (001): more than 3 subsidised trainings for one person in a year
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param limit int optional
-- @param offset int optional
-- Reads compliance_enrolment_flags (queries/aggregates/20_compliance_enrolment_flags.sql): a person-year is flagged
-- as of D from the start of its 4th subsidised enrolment; its enrolments started by D are listed.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
enrolments_per_person_year AS (
    SELECT f.*, times_by(f.key_start_dates, p.as_of) AS times
    FROM compliance_enrolment_flags AS f, params AS p
    WHERE f.check_id = 'over_three'
      AND finding_stands(p.as_of, f.start_date, f.flagged_from, NULL)
      AND (p.year IS NULL OR f.year = p.year)
      AND f.county_code IN (SELECT county_code FROM counties_in_scope($county))
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
LEFT JOIN region_labels AS g ON g.unit_code = e.county_code
ORDER BY e.year, e.person_id, e.start_date, e.record_id
LIMIT $limit OFFSET $offset;  -- one page of the list (every record when no limit is given)
