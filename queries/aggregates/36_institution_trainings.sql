-- Completed trainings sorted by institution (what drill_breakdown's rates read for one institution: its few row groups, not the whole table)
-- drill_breakdown narrowed to one institution rates that institution's persons by occupation, line or category; the
-- rows are the completed trainings' (CONTRACT §3), only the columns the rates need, sorted by institution so a filter
-- on one institution skips every other row group.
SELECT institution_id, county_code, person_id, occupation, training_type, person_category, end_date, passed, employed
FROM completed_training
ORDER BY institution_id, county_code, end_date
