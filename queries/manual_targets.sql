-- Targets of a plan that the extracts cannot measure (tracked by hand): bases built, shares of the workforce
-- @param plan text required
SELECT t.plan_id, t.unit_type, t.unit_code, t.unit_name, t.metric, m.label, t.target, t.unit, t.start, t.deadline,
       t.source, m.description
FROM targets AS t
JOIN metrics AS m USING (metric)
WHERE t.plan_id = $plan AND NOT m.computable
ORDER BY m.position, t.unit_code;
