-- 资金测算: the priced segments summed per county, institution, line and date (read by subsidy_summary and subsidy_pace)
-- The view subsidy_segment_total_series (models/65_subsidy_segments.sql) written once per data version, in slices of
-- the dates ($from_day ≤ event_date < $until_day; about one per [duckdb] rows_per_slice rows of the extract): the
-- sums barely group (10M: 26M segments, 14M sums), and at 100M summing them at once ran out of the 6 GB build memory.
-- A slice's groups are its own (the date is a group key), and it reads only the row groups of its dates.
SELECT * FROM subsidy_segment_total_series
WHERE event_date >= coalesce($from_day, DATE '0001-01-01') AND event_date < coalesce($until_day, DATE '9999-12-31')
ORDER BY priced_from, event_date, county_code
