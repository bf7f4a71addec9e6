-- 资金测算: names of the institutions records are priced for: training institutions, and evaluators for certificates
-- (CONTRACT §4 "names, not codes"; an extract without the optional name columns leaves them empty).
SELECT institution_id, institution_name FROM institution_names
UNION ALL
SELECT evaluator_id, arg_max(evaluator_name, issue_date)
FROM certificates
WHERE evaluator_name IS NOT NULL AND evaluator_id NOT IN (SELECT institution_id FROM institution_names)
GROUP BY evaluator_id
