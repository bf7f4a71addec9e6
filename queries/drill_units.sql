-- Every region unit with its level, parent and path (山西省 / 吕梁市 / 柳林县) for the drill-down's unit picker and breadcrumbs
-- @param as_of date optional
WITH province AS (
    SELECT code, name FROM regions WHERE level = 'province'
),
cities AS (
    SELECT code, name, parent_code FROM regions WHERE level = 'city'
)
SELECT r.code AS unit_code, r.name AS unit_name, r.level AS unit_type, r.parent_code,
       CASE r.level WHEN 'province' THEN NULL WHEN 'city' THEN r.parent_code ELSE c.parent_code END AS province_code,
       CASE r.level WHEN 'county' THEN r.parent_code END AS city_code,
       CASE r.level
           WHEN 'province' THEN r.name
           WHEN 'city' THEN p.name || ' / ' || r.name
           ELSE p.name || ' / ' || c.name || ' / ' || r.name
       END AS path
FROM regions AS r
LEFT JOIN cities AS c ON r.level = 'county' AND c.code = r.parent_code
CROSS JOIN province AS p
ORDER BY CASE r.level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, r.code;
