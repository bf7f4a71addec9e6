-- Completions per county, institution, completion date and entry date (录入及时率, 不录不补 002 · 003)
-- completion_entries (queries/models/55_entry_timeliness.sql) over every date, counted per (year, county,
-- institution, end_date, entered_on); days_after_end = entered_on − end_date. entry_timeliness reads this: as of D it
-- keeps end_date <= D, and the lag distribution of the rows with entered_on <= D gives the median.
SELECT c.year, c.county_code, c.institution_id, c.end_date, c.entered_on, c.days_after_end, count(*) AS completions
FROM completion_entries(DATE '9999-12-31') AS c
GROUP BY ALL
ORDER BY c.year, c.county_code, c.institution_id, c.end_date, c.entered_on
