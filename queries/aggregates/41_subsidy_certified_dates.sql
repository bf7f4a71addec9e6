-- 资金测算: the first certificate naming each completed training (000: 80 % once certified), by the training's person bucket
-- The view subsidy_certified_date_series (models/65_subsidy_segments.sql) written once per data version.
SELECT * FROM subsidy_certified_date_series
ORDER BY person_bucket, record_id
