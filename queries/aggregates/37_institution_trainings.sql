-- Completed trainings sorted by county and institution (what drill_breakdown rates by institution, or within one institution, reads: the unit's few row groups, not the whole table)
-- drill_breakdown by institution, or narrowed to one institution, rates the persons of the unit's counties per
-- institution or per group of that institution's trainings; the rows are the completed trainings' (CONTRACT §3), only
-- the columns the rates need, sorted by county and institution so a unit or an institution skips most row groups.
SELECT county_code, institution_id, person_id, occupation, training_type, person_category, end_date, passed, employed
FROM completed_training
ORDER BY county_code, institution_id, end_date
