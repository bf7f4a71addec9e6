-- 资金测算: each online platform's offline share (003 四(四)) per calendar year, as a series over the as-of date
-- The view subsidy_platform_share_series (models/65_subsidy_segments.sql) written once per data version.
SELECT * FROM subsidy_platform_share_series
ORDER BY institution_id, end_year, share_from
