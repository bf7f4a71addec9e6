-- 资金测算: records that earn less than their standard (or nothing), by reason and line
-- @param plan text required
-- @param as_of date optional
-- @param unit text optional
-- @memo subsidy_priced(plan, as_of)
-- shortfall = standard amount − entitled amount; no_rule records have no standard (shortfall 0).
WITH priced AS (
    SELECT p.*
    FROM subsidy_priced_memo AS p
    WHERE p.memo_plan = $plan AND p.memo_as_of = $as_of
      AND p.county_code IN (SELECT county_code FROM counties_in_scope($unit))
      AND p.reason IS NOT NULL
)
SELECT
    p.reason,
    r.reason_label,
    p.line,
    l.line_label,
    count(*)                                   AS records,
    count(*) FILTER (WHERE p.amount = 0)       AS unpaid_records,
    count(DISTINCT p.person_id)                AS persons,
    sum(p.standard_amount)                     AS standard_amount,
    sum(p.amount)                              AS entitled,
    sum(p.standard_amount) - sum(p.amount)     AS shortfall
FROM priced AS p
LEFT JOIN subsidy_reason_labels AS r USING (reason)
LEFT JOIN subsidy_lines AS l USING (line)
GROUP BY ALL
ORDER BY records DESC, min(r.position), min(l.position);
