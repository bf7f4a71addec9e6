-- Certificates of the skill levels a person holds more than once (cert_twice), with the date from which each is flagged
-- 003: 同一等级只能享受一次取证补贴. One row per qualification / skill-level certificate of a (person, level) held
-- twice or more by the latest date. As of D the check lists the rows with issue_date <= D AND flagged_from <= D
-- (flagged_from = the 2nd issue date); times(D) = number of issue_dates <= D. claim_no (issue order, then cert_id)
-- does not depend on D: a later certificate never comes before an earlier one.
WITH level_certificates AS (
    -- certificates that can draw a certificate subsidy for a level
    SELECT c.cert_id, c.person_id, c.county_code, c.cert_type, c.skill_level, c.occupation, c.issue_date,
           c.evaluator_id
    FROM certificates AS c
    WHERE c.cert_type IN ('qualification', 'skill_level')
      AND c.skill_level IS NOT NULL
      AND c.issue_date IS NOT NULL
      AND c.person_id IS NOT NULL
),
levels_certified_twice AS (
    -- one pass over every certificate, counting only
    SELECT person_id, skill_level
    FROM level_certificates
    GROUP BY ALL
    HAVING count(*) > 1
),
claims_per_level AS (
    -- the few certificates of those levels, in issue order, with every issue date of their level
    SELECT c.*,
           row_number() OVER w_level_claims AS claim_no,
           list(c.issue_date ORDER BY c.issue_date) OVER w_level AS issue_dates
    FROM level_certificates AS c
    SEMI JOIN levels_certified_twice AS k USING (person_id, skill_level)
    WINDOW w_level AS (PARTITION BY c.person_id, c.skill_level),
           w_level_claims AS (PARTITION BY c.person_id, c.skill_level ORDER BY c.issue_date, c.cert_id)
)
SELECT year(issue_date) AS year, county_code, person_id, skill_level, claim_no, cert_id, cert_type, occupation,
       evaluator_id, issue_date, issue_dates[1] AS first_issue_date, issue_dates[2] AS flagged_from, issue_dates
FROM claims_per_level
ORDER BY year, county_code, person_id, skill_level, claim_no
