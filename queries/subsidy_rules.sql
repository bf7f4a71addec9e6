-- 资金测算: the subsidy standards in force at some time in a plan's window, with their documents
-- @param plan text required
SELECT r.rule_id, r.label, r.kind, r.line, r.scope_code, g.name AS scope_name, r.skill_level, r.cert_types,
       r.amount, r.unit, r.first_days, r.amount_after, r.max_days, r.cap, r.cap_per, r.min_hours,
       r.min_employment_rate, r.min_offline_share, r.factor, r.share_on_certificate, r.bonus_amount,
       r.bonus_within_days, r.condition, r.source, r.seed, r.valid_from, r.valid_to
FROM subsidy_rules AS r
JOIN plans AS p ON p.plan_id = $plan
LEFT JOIN regions AS g ON g.code = r.scope_code
WHERE r.valid_from <= p.deadline AND coalesce(r.valid_to, DATE '9999-12-31') >= p.start
ORDER BY r.seed DESC, r.rule_id;
