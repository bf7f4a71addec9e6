-- New skilled talent (CONTRACT §1): each person's first certificate of a skilled type in the whole history
-- The view first_skilled_certificate_rows (models/20_metric_facts.sql) written once per data version: every plan's
-- first counts read it.
SELECT * FROM first_skilled_certificate_rows
ORDER BY issue_date
