-- 资金测算: the dates where an online platform-year's offline share crosses a tier threshold (003 四(四))
-- The view subsidy_platform_tier_change_series (models/65_subsidy_segments.sql) written once per data version.
SELECT * FROM subsidy_platform_tier_change_series
ORDER BY institution_id, end_year, changed_on
