-- Test reference (tests/test_agg_compliance.py): the league's definition as it scanned the raw rows before the
-- aggregate entry_lags (queries/aggregates/24_entry_lags.sql); overrides the model's macro in the reference runner.
-- entry_timeliness: per county (p_by = 'county'), city ('city'), institution ('institution') or for the whole
-- province ('province'), within the counties of p_unit (every county when NULL) and the completion year p_year
-- (every year when NULL):
--   completed      completions that ended by the as-of date
--   due            of those, the ones whose p_days window has fully passed by the as-of date
--   timely         due completions entered within p_days days of completion (a due record not entered by the
--                  as-of date was not entered in time, whenever it was entered later)
--   timely_pct     timely ÷ due in percent (NULL when nothing is due yet)
--   median_lag     median days from completion to entry over completions entered by the as-of date
--   late           completions entered after 不录不补's limit (entered_late, as the compliance check counts them)
CREATE OR REPLACE MACRO entry_timeliness(p_as_of, p_year, p_unit, p_days, p_max_days, p_by) AS TABLE
WITH scoped AS (
    SELECT c.*, g.parent_code AS city_code,
           c.end_date <= CAST(p_as_of AS DATE) - CAST(p_days AS INTEGER) AS due,
           c.entered_on <= p_as_of AS entered_by_as_of
    FROM completion_entries(p_as_of) AS c
    LEFT JOIN regions AS g ON g.code = c.county_code
    WHERE (p_year IS NULL OR c.year = p_year)
      AND c.county_code IN (SELECT county_code FROM counties_in_scope(p_unit))
),
keyed AS (
    SELECT CASE p_by WHEN 'county' THEN county_code WHEN 'city' THEN city_code
                     WHEN 'institution' THEN institution_id
                     ELSE (SELECT code FROM regions WHERE level = 'province') END AS unit_key,
           *
    FROM scoped
)
SELECT unit_key,
       count(*) AS completed,
       count(*) FILTER (WHERE due) AS due,
       count(*) FILTER (WHERE due AND days_after_end <= p_days) AS timely,
       CASE WHEN count(*) FILTER (WHERE due) > 0
            THEN round(100.0 * count(*) FILTER (WHERE due AND days_after_end <= p_days)
                       / count(*) FILTER (WHERE due), 4) END AS timely_pct,
       median(days_after_end) FILTER (WHERE entered_by_as_of) AS median_lag,
       count(*) FILTER (WHERE entered_late(days_after_end, p_max_days)) AS late,
       count(DISTINCT county_code) AS counties
FROM keyed
GROUP BY unit_key;
