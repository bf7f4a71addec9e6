-- Compliance (不录不补, 002, 003): completed trainings entered in the system more than max_days after they ended
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param max_days int default=90
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county,
           CAST($max_days AS INTEGER) AS max_days
),
completions AS (
    -- completed by the as-of date, counted by the year they ended (queries/models/55_entry_timeliness.sql)
    SELECT c.* FROM completion_entries((SELECT as_of FROM params)) AS c
)
SELECT
    'late_entry'       AS check_id,
    c.year,
    c.person_id,
    c.record_id,
    c.days_after_end,
    c.county_code,
    g.unit_label             AS county_name,
    c.institution_id,
    c.training_type,
    c.occupation,
    c.skill_level,
    c.end_date,
    c.entered_on
FROM completions AS c
JOIN params AS p ON TRUE
LEFT JOIN region_labels AS g ON g.unit_code = c.county_code
WHERE entered_late(c.days_after_end, p.max_days)
  AND (p.year IS NULL OR c.year = p.year)
  AND c.county_code IN (SELECT county_code FROM counties_in_scope($county))
ORDER BY c.days_after_end DESC, c.record_id;
