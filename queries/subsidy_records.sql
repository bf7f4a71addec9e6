-- 资金测算: the priced records themselves, filtered and paged (total_rows = rows matching before paging)
-- @param plan text required
-- @param as_of date optional
-- @param unit text optional
-- @param line text optional
-- @param reason text optional
-- @param institution text optional
-- @param status text default=all
-- @param limit int default=200
-- @param offset int default=0
-- status: all | paid (full standard) | partial (less than the standard, more than 0) | unpaid (nothing) | short
-- (partial or unpaid). person_id is the pseudonymous key; pages mask it. Order: date, record.
WITH matching AS NOT MATERIALIZED (
    -- records short of their standard (a status or a reason that needs one) are read from the short segments alone
    SELECT p.*
    FROM subsidy_priced_of($plan, $as_of, $status IN ('short', 'partial', 'unpaid') OR $reason IS NOT NULL) AS p
    WHERE p.county_code IN (SELECT county_code FROM counties_in_scope($unit))
      AND ($line IS NULL OR p.line = $line)
      AND ($reason IS NULL OR p.reason = $reason)
      AND ($institution IS NULL OR p.institution_id = $institution)
      AND CASE $status
              WHEN 'paid' THEN p.amount > 0 AND p.reason IS NULL
              WHEN 'partial' THEN p.amount > 0 AND p.reason IS NOT NULL
              WHEN 'unpaid' THEN p.amount = 0
              WHEN 'short' THEN p.reason IS NOT NULL
              ELSE TRUE
          END
),
page AS (
    -- the page first (a top-N over the filtered records), then its names and labels
    SELECT * FROM matching ORDER BY event_date, record_id LIMIT $limit OFFSET $offset
),
total AS (
    SELECT count(*) AS total_rows FROM matching
)
SELECT
    p.record_kind,
    p.record_id,
    p.person_id,
    c.name                        AS city_name,
    g.name                        AS county_name,
    p.county_code,
    p.institution_id,
    i.institution_name,
    p.line,
    l.line_label,
    p.type_code,
    p.skill_level,
    p.occupation,
    p.start_date,
    p.event_date,
    p.hours,
    p.days,
    p.rule_id,
    s.label                       AS rule_label,
    p.source,
    p.standard_amount,
    p.amount,
    p.reason,
    r.reason_label,
    p.class_rate,
    p.offline_share,
    t.total_rows
FROM page AS p
CROSS JOIN total AS t
LEFT JOIN regions AS g ON g.code = p.county_code
LEFT JOIN regions AS c ON c.code = p.city_code
LEFT JOIN subsidy_lines AS l USING (line)
LEFT JOIN subsidy_reason_labels AS r USING (reason)
LEFT JOIN subsidy_rules AS s ON s.rule_id = p.rule_id
LEFT JOIN subsidy_institution_names AS i ON i.institution_id = p.institution_id
ORDER BY p.event_date, p.record_id;
