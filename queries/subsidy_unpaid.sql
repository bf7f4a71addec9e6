-- 资金测算: records that earn less than their standard (or nothing), by reason and line
-- @param plan text required
-- @param as_of date optional
-- @param unit text optional
-- shortfall = standard amount − entitled amount; no_rule records have no standard (shortfall 0).
WITH priced AS (
    -- the records short at the as-of date (reason set), read from the short segments alone
    SELECT p.reason, p.line, p.person_id, p.amount, p.standard_amount
    FROM subsidy_priced_short($plan, $as_of) AS p
    WHERE p.county_code IN (SELECT county_code FROM counties_in_scope($unit))
      AND p.reason IS NOT NULL
),
by_reason_and_line AS (
    -- counted on the codes; the labels join the 20-odd rows after (not the millions of records before)
    SELECT reason,
           line,
           count(*)                                AS records,
           count(*) FILTER (WHERE amount = 0)      AS unpaid_records,
           count(DISTINCT person_id)               AS persons,
           sum(standard_amount)                    AS standard_amount,
           sum(amount)                             AS entitled
    FROM priced
    GROUP BY ALL
)
SELECT
    t.reason,
    r.reason_label,
    t.line,
    l.line_label,
    t.records,
    t.unpaid_records,
    t.persons,
    t.standard_amount,
    t.entitled,
    t.standard_amount - t.entitled          AS shortfall
FROM by_reason_and_line AS t
LEFT JOIN subsidy_reason_labels AS r USING (reason)
LEFT JOIN subsidy_lines AS l USING (line)
ORDER BY t.records DESC, r.position, l.position;
