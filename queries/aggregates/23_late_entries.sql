-- Completed trainings entered after their completion day (the rows the late-entry check lists, for any limit ≥ 0 days)
-- 不录不补 (002 · 003): completion_entries (queries/models/55_entry_timeliness.sql, the one definition) over every
-- date, only the records entered after the day they ended (days_after_end > 0), so entered_late with any limit of
-- 0 days or more is a filter on this table. As of D the check adds end_date <= D. Sorted by year, then the longest
-- lag first, so a limit of 90 days reads the few row groups that hold such lags.
SELECT c.year, c.county_code, c.person_id, c.record_id, c.days_after_end, c.institution_id, c.training_type,
       c.occupation, c.skill_level, c.end_date, c.entered_on
FROM completion_entries(DATE '9999-12-31') AS c
WHERE c.days_after_end > 0
ORDER BY c.year, c.days_after_end DESC, c.county_code, c.record_id
