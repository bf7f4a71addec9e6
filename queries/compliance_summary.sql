-- Findings of every compliance check summed up: records and distinct persons per check, per check and county, per check and institution
-- @param as_of date optional
-- @param year int optional
-- @param county text optional
-- @param max_days int default=90
-- The same findings as the check queries (compliance_<check>.sql, over the aggregates 20–23 and the rules
-- finding_stands / entered_late of the models), only their keys; `level` says how a row is summed up:
-- 'check' (the check's totals), 'county' (county_code, county_name) or 'institution' (institution_id).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS as_of, CAST($year AS INTEGER) AS year,
           CASE WHEN CAST($max_days AS INTEGER) < 0 THEN error('逾期录入天数不能为负数')
                ELSE CAST($max_days AS INTEGER) END AS max_days
),
counties AS (
    SELECT county_code FROM counties_in_scope($county)
),
findings AS (
    -- 001 (over_three) and 001 · 003 (repeat_level)
    SELECT f.check_id, f.year, f.county_code, f.institution_id, f.person_id
    FROM compliance_enrolment_flags AS f, params AS p
    WHERE finding_stands(p.as_of, f.start_date, f.flagged_from, NULL)
    UNION ALL
    -- 003: one certificate subsidy per level (the evaluator is the institution)
    SELECT 'cert_twice', f.year, f.county_code, f.evaluator_id, f.person_id
    FROM compliance_cert_flags AS f, params AS p
    WHERE finding_stands(p.as_of, f.issue_date, f.flagged_from, NULL)
    UNION ALL
    -- 不录不补 (002 · 003)
    SELECT 'late_entry', f.year, f.county_code, f.institution_id, f.person_id
    FROM late_entries AS f, params AS p
    WHERE finding_stands(p.as_of, f.end_date, NULL, NULL) AND entered_late(f.days_after_end, p.max_days)
    UNION ALL
    -- 001: completed without a pass flag or a certificate
    SELECT 'no_outcome', f.year, f.county_code, f.institution_id, f.person_id
    FROM compliance_no_outcome_flags AS f, params AS p
    WHERE finding_stands(p.as_of, f.end_date, NULL, f.cleared_on)
),
findings_in_scope AS (
    SELECT f.*
    FROM findings AS f, params AS p
    WHERE (p.year IS NULL OR f.year = p.year)
      AND f.county_code IN (SELECT county_code FROM counties)
),
summed AS (
    SELECT check_id, county_code, institution_id,
           CASE WHEN GROUPING(county_code) = 0 THEN 'county'
                WHEN GROUPING(institution_id) = 0 THEN 'institution' ELSE 'check' END AS level,
           count(*) AS records, count(DISTINCT person_id) AS persons
    FROM findings_in_scope
    GROUP BY GROUPING SETS ((check_id), (check_id, county_code), (check_id, institution_id))
)
SELECT s.level, s.check_id, s.county_code, g.unit_label AS county_name, s.institution_id, s.records, s.persons
FROM summed AS s
LEFT JOIN region_labels AS g ON s.level = 'county' AND g.unit_code = s.county_code
ORDER BY s.level, s.check_id, s.records DESC, s.county_code, s.institution_id;
