-- 资金测算: the certificates' columns pricing reads, sorted by person bucket (a part of the persons reads its rows only)
-- The view subsidy_certificate_input_rows (models/60_subsidy.sql) written once per data version.
SELECT * FROM subsidy_certificate_input_rows
ORDER BY person_bucket
