-- New high-skilled talent: each person's first certificate at skill level ≤ 3 (高级工 or above)
-- The view first_high_skilled_certificate_rows (models/20_metric_facts.sql) written once per data version: every
-- plan's first counts read it.
SELECT * FROM first_high_skilled_certificate_rows
ORDER BY issue_date
