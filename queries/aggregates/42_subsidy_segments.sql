-- 资金测算: every completed training and certificate priced once per data version, as segments over the as-of date
-- subsidy_segment_series_of (models/65_subsidy_segments.sql) written once per data version, part by part of the
-- persons ($part of $parts: about [duckdb] rows_per_part rows each, so a province-size extract builds in bounded
-- memory), each part sorted by pricing start and date so that a plan's window and a page of records skip most row
-- groups.
SELECT * FROM subsidy_segment_series_of($part, $parts)
ORDER BY priced_from, event_date, record_id, valid_from
