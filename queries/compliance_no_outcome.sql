-- Compliance: completed trainings with neither a pass flag nor a certificate for the training
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param limit int optional
-- @param offset int optional
-- Reads compliance_no_outcome_flags (queries/aggregates/22_compliance_no_outcome_flags.sql): completed by the as-of
-- date (counted by the year they ended) without passed = true, and no certificate for the training issued by then.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
completions_without_outcome AS (
    SELECT f.*
    FROM compliance_no_outcome_flags AS f, params AS p
    WHERE finding_stands(p.as_of, f.end_date, NULL, f.cleared_on)
      AND (p.year IS NULL OR f.year = p.year)
      AND f.county_code IN (SELECT county_code FROM counties_in_scope($county))
)
SELECT
    'no_outcome'       AS check_id,
    t.year,
    t.person_id,
    t.record_id,
    t.passed,
    t.county_code,
    g.unit_label             AS county_name,
    t.institution_id,
    t.training_type,
    t.occupation,
    t.skill_level,
    t.start_date,
    t.end_date
FROM completions_without_outcome AS t
LEFT JOIN region_labels AS g ON g.unit_code = t.county_code
ORDER BY t.end_date, t.record_id
LIMIT $limit OFFSET $offset;  -- one page of the list (every record when no limit is given)
