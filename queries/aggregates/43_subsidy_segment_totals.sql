-- 资金测算: the priced segments summed per county, institution, line and date (read by subsidy_summary and subsidy_pace)
-- The view subsidy_segment_total_series (models/65_subsidy_segments.sql) written once per data version.
SELECT * FROM subsidy_segment_total_series
ORDER BY priced_from, event_date, county_code
