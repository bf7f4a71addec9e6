-- Compliance (003): a skill level certified (qualification / skill-level certificate) more than once per person
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param limit int optional
-- @param offset int optional
-- Reads compliance_cert_flags (queries/aggregates/21_compliance_cert_flags.sql): a person's level is flagged as of D
-- from its 2nd certificate; every certificate of it issued by D is listed, claim 1 being the one the subsidy is for.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year, CAST($county AS VARCHAR) AS county
),
claims_per_level AS (
    SELECT f.*, times_by(f.issue_dates, p.as_of) AS times
    FROM compliance_cert_flags AS f, params AS p
    WHERE finding_stands(p.as_of, f.issue_date, f.flagged_from, NULL)
      AND (p.year IS NULL OR f.year = p.year)
      AND f.county_code IN (SELECT county_code FROM counties_in_scope($county))
)
SELECT
    'cert_twice'          AS check_id,
    c.year,
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
LEFT JOIN region_labels AS g ON g.unit_code = c.county_code
ORDER BY c.person_id, c.skill_level, c.claim_no
LIMIT $limit OFFSET $offset;  -- one page of the list (every record when no limit is given)
