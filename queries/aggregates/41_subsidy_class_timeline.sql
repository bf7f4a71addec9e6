-- 资金测算: order/project classes' employment rate (003) as a series over the as-of date, over every person
-- The view subsidy_class_timeline_series (models/65_subsidy_segments.sql) written once per data version; the subsidy
-- segments, built part by part of the persons, read a class's rate from here.
SELECT * FROM subsidy_class_timeline_series
ORDER BY institution_id, occupation, start_date, priced_from, last_end
