-- School units' counted graduates by the certificate that first made them count, per plan, metric, school unit and first date (school_detail_certs sums it up to the as-of date)
-- A person counts for a school unit from their first value event of metric_facts (the progress figure's own rules:
-- CONTRACT §3 seed 004 / 002 certificates of graduating students); which event comes first does not depend on the
-- as-of date, only whether it is ≤ the as-of date, so counts by first date summed up to it give the detail.
WITH school_facts AS (
    SELECT plan_id, metric, school_unit, person_key, event_date, county_code
    FROM metric_facts
    WHERE school_unit IS NOT NULL AND part = 'value'
),
counted AS (
    -- each person once per plan, metric and school unit, on the first such event (as unit_person_first counts them)
    SELECT * FROM school_facts
    QUALIFY row_number() OVER (PARTITION BY plan_id, metric, school_unit, person_key
                               ORDER BY event_date, county_code) = 1
),
counting_certificate AS (
    -- the graduating certificate behind that first event (a person with two such certificates that day gets the one
    -- with the unit's own school name, then the lower id)
    SELECT k.plan_id, k.metric, k.school_unit, k.event_date AS first_date,
           c.major, c.occupation, c.skill_level, c.cert_type
    FROM counted AS k
    JOIN graduating_certificates AS c
      ON c.person_id = k.person_key AND c.issue_date = k.event_date AND c.county_code = k.county_code
    QUALIFY row_number() OVER (PARTITION BY k.plan_id, k.metric, k.school_unit, k.person_key
                               ORDER BY (c.named_unit IS NOT DISTINCT FROM k.school_unit) DESC, c.cert_id) = 1
)
SELECT plan_id, metric, school_unit, first_date, major, occupation, skill_level, cert_type, count(*) AS persons
FROM counting_certificate
GROUP BY ALL
ORDER BY plan_id, school_unit, metric, first_date
