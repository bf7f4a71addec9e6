-- 录入及时率 (不录不补, 002 · 003): how promptly completed trainings are entered in the real-name system.
-- completion_entries and entered_late are the one definition of the late-entry rule: the compliance check
-- compliance_late_entry and the timeliness league both use them.

-- Completed trainings that ended by the as-of date, with the days from completion to entry (录入日期 − 结业日期).
CREATE OR REPLACE MACRO completion_entries(p_as_of) AS TABLE
SELECT t.*, year(t.end_date) AS year, date_diff('day', t.end_date, t.entered_on) AS days_after_end
FROM training AS t
WHERE t.status = 'completed' AND t.end_date <= p_as_of;

-- Entered after 不录不补's limit: more than p_max_days days after completion.
CREATE OR REPLACE MACRO entered_late(p_days_after_end, p_max_days) AS p_days_after_end > p_max_days;

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
-- It reads the aggregate entry_lags (queries/aggregates/24_entry_lags.sql: completion_entries counted per county,
-- institution, completion and entry date), never the raw rows; the median comes from the lag distribution.
-- entry_lags is the version aggregate queries/aggregates/24_entry_lags.sql (the runner installs it before the first
-- statement that names it).
CREATE OR REPLACE MACRO entry_timeliness(p_as_of, p_year, p_unit, p_days, p_max_days, p_by) AS TABLE
WITH lag_groups AS (
    -- completions that ended by the as-of date, per county (and institution when ranking institutions) and lag
    SELECT l.county_code,
           CASE WHEN p_by = 'institution' THEN l.institution_id END AS institution_id,
           l.days_after_end,
           sum(l.completions) AS completed,
           sum(l.completions) FILTER (WHERE l.end_date <= CAST(p_as_of AS DATE) - CAST(p_days AS INTEGER)) AS due,
           sum(l.completions) FILTER (WHERE l.entered_on <= p_as_of) AS entered_by_as_of
    FROM entry_lags AS l
    WHERE l.end_date <= p_as_of
      AND (p_year IS NULL OR l.year = p_year)
      AND l.county_code IN (SELECT county_code FROM counties_in_scope(p_unit))
    GROUP BY ALL
),
keyed AS (
    SELECT CASE p_by WHEN 'county' THEN k.county_code WHEN 'city' THEN g.parent_code
                     WHEN 'institution' THEN k.institution_id
                     ELSE (SELECT code FROM regions WHERE level = 'province') END AS unit_key,
           k.*
    FROM lag_groups AS k
    LEFT JOIN regions AS g ON g.code = k.county_code
),
unit_counts AS (
    SELECT unit_key,
           CAST(sum(completed) AS BIGINT) AS completed,
           CAST(coalesce(sum(due), 0) AS BIGINT) AS due,
           CAST(coalesce(sum(due) FILTER (WHERE days_after_end <= p_days), 0) AS BIGINT) AS timely,
           CAST(coalesce(sum(completed) FILTER (WHERE entered_late(days_after_end, p_max_days)), 0) AS BIGINT) AS late,
           count(DISTINCT county_code) AS counties
    FROM keyed
    GROUP BY unit_key
),
lags_entered AS (
    -- the distribution of days from completion to entry over the completions entered by the as-of date
    SELECT unit_key, days_after_end, sum(entered_by_as_of) AS entered
    FROM keyed
    WHERE entered_by_as_of > 0
    GROUP BY ALL
),
lags_cumulative AS (
    SELECT *,
           sum(entered) OVER (PARTITION BY unit_key ORDER BY days_after_end) AS entered_through,
           sum(entered) OVER (PARTITION BY unit_key) AS entered_total
    FROM lags_entered
),
median_lags AS (
    -- the middle value; the mean of the two middle values when their number is even (as median() does)
    SELECT unit_key,
           (min(days_after_end) FILTER (WHERE entered_through >= (entered_total + 1) // 2)
            + min(days_after_end) FILTER (WHERE entered_through >= entered_total // 2 + 1)) / 2.0 AS median_lag
    FROM lags_cumulative
    GROUP BY unit_key
)
SELECT u.unit_key,
       u.completed,
       u.due,
       u.timely,
       CASE WHEN u.due > 0 THEN round(100.0 * u.timely / u.due, 4) END AS timely_pct,
       m.median_lag,
       u.late,
       u.counties
FROM unit_counts AS u
LEFT JOIN median_lags AS m USING (unit_key);

-- timeliness_ranked: the league (1 = most timely) among units with at least p_min_completed completions:
-- share entered in time, then fewer late records, then the shorter median lag; units with nothing due yet
-- come last without a rank.
CREATE OR REPLACE MACRO timeliness_ranked(p_as_of, p_year, p_unit, p_days, p_max_days, p_by, p_min_completed) AS TABLE
WITH eligible AS (
    SELECT * FROM entry_timeliness(p_as_of, p_year, p_unit, p_days, p_max_days, p_by)
    WHERE completed >= p_min_completed
)
SELECT *,
       CASE WHEN timely_pct IS NOT NULL
            THEN rank() OVER (ORDER BY timely_pct IS NULL, timely_pct DESC, late, median_lag) END AS rank,
       count(timely_pct) OVER () AS ranked_units
FROM eligible;
