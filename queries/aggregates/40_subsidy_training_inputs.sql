-- 资金测算: the completed trainings' columns pricing reads, sorted by person bucket (a part of the persons reads its rows only)
-- The view subsidy_training_input_rows (models/60_subsidy.sql) written once per data version.
SELECT * FROM subsidy_training_input_rows
ORDER BY person_bucket
