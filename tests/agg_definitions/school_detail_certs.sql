-- One school unit's counted graduates by major, occupation, skill level, certificate type and month
-- (each person once, by the certificate that first made them count — the rules of metric_facts)
-- @param plan text required
-- @param unit text required
-- @param as_of date required
WITH unit_metrics AS (
    SELECT DISTINCT metric FROM targets WHERE plan_id = $plan AND unit_type = 'school' AND unit_code = $unit
),
unit_facts AS (
    -- the events that make a person count for this unit (metric_facts: the progress figure's own rules)
    SELECT f.metric, f.person_key, f.event_date, f.county_code
    FROM metric_facts AS f
    JOIN unit_metrics USING (metric)
    WHERE f.plan_id = $plan AND f.school_unit = $unit AND f.part = 'value' AND f.event_date <= $as_of
),
counted AS (
    -- each person once, on the first such event (as unit_person_first counts them)
    SELECT * FROM unit_facts
    QUALIFY row_number() OVER (PARTITION BY metric, person_key ORDER BY event_date, county_code) = 1
),
counting_certificate AS (
    -- the graduating certificate behind that first event (metric_facts names person, date and county;
    -- a person with two such certificates that day gets the one with the unit's own school name, then the lower id)
    SELECT c.*, k.metric, k.event_date AS first_date
    FROM counted AS k
    JOIN graduating_certificates AS c
      ON c.person_id = k.person_key AND c.issue_date = k.event_date AND c.county_code = k.county_code
    QUALIFY row_number() OVER (PARTITION BY k.metric, k.person_key
                               ORDER BY (c.named_unit IS NOT DISTINCT FROM $unit) DESC, c.cert_id) = 1
),
by_dimension AS (
    SELECT metric, 'month' AS dimension, strftime(first_date, '%Y-%m') AS key, count(*) AS persons
    FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'major', coalesce(major, ''), count(*) FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'occupation', coalesce(occupation, ''), count(*) FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'level', coalesce(CAST(skill_level AS VARCHAR), ''), count(*) FROM counting_certificate GROUP BY ALL
    UNION ALL
    SELECT metric, 'cert_type', cert_type, count(*) FROM counting_certificate GROUP BY ALL
)
SELECT metric, dimension, key, persons,
       round(100.0 * persons / sum(persons) OVER (PARTITION BY metric, dimension), 2) AS share
FROM by_dimension
ORDER BY metric,
         CASE dimension WHEN 'month' THEN 0 WHEN 'level' THEN 1 WHEN 'cert_type' THEN 2 WHEN 'major' THEN 3 ELSE 4 END,
         CASE WHEN dimension IN ('month', 'level') THEN key END,
         persons DESC, key;
