-- One school unit's counted graduates by major, occupation, skill level, certificate type and month
-- (each person once, by the certificate that first made them count — the rules of metric_facts)
-- @param plan text required
-- @param unit text required
-- @param as_of date required
-- Reads the version aggregate school_cert_firsts (persons by the date they first count and their counting
-- certificate), summed up to the as-of date.
WITH unit_metrics AS (
    SELECT DISTINCT metric FROM targets WHERE plan_id = $plan AND unit_type = 'school' AND unit_code = $unit
),
counting_certificate AS (
    SELECT f.*
    FROM school_cert_firsts AS f
    JOIN unit_metrics USING (metric)
    WHERE f.plan_id = $plan AND f.school_unit = $unit AND f.first_date <= $as_of
),
grouped AS (
    SELECT metric, 'month' AS dimension, strftime(first_date, '%Y-%m') AS key, sum(persons) AS persons
    FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'major', coalesce(major, ''), sum(persons) FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'occupation', coalesce(occupation, ''), sum(persons) FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'level', coalesce(CAST(skill_level AS VARCHAR), ''), sum(persons)
    FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'cert_type', cert_type, sum(persons) FROM counting_certificate GROUP BY ALL
),
by_dimension AS (
    SELECT metric, dimension, key, CAST(persons AS BIGINT) AS persons FROM grouped
)
SELECT metric, dimension, key, persons,
       round(100.0 * persons / sum(persons) OVER (PARTITION BY metric, dimension), 2) AS share
FROM by_dimension
ORDER BY metric,
         CASE dimension WHEN 'month' THEN 0 WHEN 'level' THEN 1 WHEN 'cert_type' THEN 2 WHEN 'major' THEN 3 ELSE 4 END,
         CASE WHEN dimension IN ('month', 'level') THEN key END,
         persons DESC, key;
