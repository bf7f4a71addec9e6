-- Compliance: completed trainings with neither a pass flag nor a certificate for the training
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
completions_not_passed AS (
    -- completed by the as-of date (counted by the year they ended) without passed = true
    SELECT t.*, year(t.end_date) AS year
    FROM training AS t, params AS p
    WHERE t.status = 'completed' AND t.end_date <= p.as_of AND t.passed IS DISTINCT FROM TRUE
),
certified_completions AS (
    -- a certificate by the as-of date that names the training, or is in its occupation and issued since its start
    SELECT DISTINCT t.record_id
    FROM completions_not_passed AS t
    JOIN certificates AS c ON c.person_id = t.person_id
    JOIN params AS p ON c.issue_date <= p.as_of
    WHERE c.training_record_id = t.record_id
       OR (c.occupation = t.occupation AND c.issue_date >= t.start_date)
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
FROM completions_not_passed AS t
JOIN params AS p ON TRUE
LEFT JOIN region_labels AS g ON g.unit_code = t.county_code
WHERE t.record_id NOT IN (SELECT record_id FROM certified_completions)
  AND (p.year IS NULL OR t.year = p.year)
  AND t.county_code IN (SELECT county_code FROM counties_in_scope($county))
ORDER BY t.end_date, t.record_id;
