-- 资金测算: every completed training and certificate priced once per data version, as segments over the as-of date
-- The view subsidy_segment_series (models/65_subsidy_segments.sql) written once per data version, sorted by pricing
-- start and date so that a plan's window and a page of records skip most row groups.
SELECT * FROM subsidy_segment_series
ORDER BY priced_from, event_date, record_id, valid_from
