-- Compliance (003): a skill level certified (qualification / skill-level certificate) more than once per person
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
level_certificates AS (
    -- certificates that can draw a certificate subsidy for a level (同一等级只能享受一次取证补贴)
    SELECT c.*
    FROM certificates AS c, params AS p
    WHERE c.cert_type IN ('qualification', 'skill_level')
      AND c.skill_level IS NOT NULL
      AND c.issue_date <= p.as_of
),
levels_certified_twice AS (
    SELECT person_id, skill_level, count(*) AS times, min(issue_date) AS first_issue_date
    FROM level_certificates
    GROUP BY ALL
    HAVING count(*) > 1
),
claims_per_level AS (
    -- every certificate of the person at that level, in issue order; claim 1 is the one the subsidy is for
    SELECT c.*, k.times, k.first_issue_date,
           row_number() OVER (PARTITION BY c.person_id, c.skill_level ORDER BY c.issue_date, c.cert_id) AS claim_no
    FROM level_certificates AS c
    JOIN levels_certified_twice AS k USING (person_id, skill_level)
)
SELECT
    'cert_twice'          AS check_id,
    year(c.issue_date)    AS year,
    c.person_id,
    c.skill_level,
    c.times,
    c.claim_no,
    c.cert_id,
    c.cert_type,
    c.occupation,
    c.county_code,
    g.unit_label                AS county_name,
    c.evaluator_id        AS institution_id,
    c.issue_date,
    c.first_issue_date
FROM claims_per_level AS c
JOIN params AS p ON TRUE
LEFT JOIN region_labels AS g ON g.unit_code = c.county_code
WHERE (p.year IS NULL OR year(c.issue_date) = p.year)
  AND c.county_code IN (SELECT county_code FROM counties_in_scope($county))
ORDER BY c.person_id, c.skill_level, c.claim_no;
