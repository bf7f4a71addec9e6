-- Compliance (不录不补, 002, 003): completed trainings entered in the system more than max_days after they ended
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param max_days int default=90
-- @param limit int optional
-- @param offset int optional
-- Reads late_entries (queries/aggregates/23_late_entries.sql: completions entered after the day they ended), so
-- the limit must be 0 days or more.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county,
           CASE WHEN CAST($max_days AS INTEGER) < 0 THEN error('逾期录入天数不能为负数')
                ELSE CAST($max_days AS INTEGER) END AS max_days
),
completions_entered_late AS (
    -- completed by the as-of date, counted by the year they ended (queries/models/55_entry_timeliness.sql)
    SELECT c.*
    FROM late_entries AS c, params AS p
    WHERE finding_stands(p.as_of, c.end_date, NULL, NULL)
      AND entered_late(c.days_after_end, p.max_days)
      AND (p.year IS NULL OR c.year = p.year)
      AND c.county_code IN (SELECT county_code FROM counties_in_scope($county))
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
FROM completions_entered_late AS c
LEFT JOIN region_labels AS g ON g.unit_code = c.county_code
ORDER BY c.days_after_end DESC, c.record_id
LIMIT $limit OFFSET $offset;  -- one page of the list (every record when no limit is given)
