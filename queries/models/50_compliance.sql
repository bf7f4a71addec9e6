-- Shared pieces of the compliance checks (合规核查).

-- The counties of a region unit (a county, a city or the province); every county when p_unit is NULL.
CREATE OR REPLACE MACRO counties_in_scope(p_unit) AS TABLE
SELECT DISTINCT county_code FROM unit_members WHERE p_unit IS NULL OR unit_code = p_unit;

-- Enrolments that can draw a subsidy (001: at most 3 a year, never the same occupation and level twice):
-- not dropped, started by the as-of date, counted in the year they started.
CREATE OR REPLACE MACRO subsidised_enrolments(p_as_of) AS TABLE
SELECT t.*, year(t.start_date) AS year
FROM training AS t
WHERE t.status <> 'dropped' AND t.start_date <= p_as_of;

-- When a finding stored in a compliance aggregate (queries/aggregates/2x_compliance_*.sql) stands as of p_as_of: its
-- record exists by then (p_at: start, issue or completion date), its key is flagged by then (p_flagged_from: the
-- start of the 4th enrolment, the 2nd of a repeated level, the 2nd certificate of a level; NULL: flagged on its own)
-- and nothing has cleared it yet (p_cleared_on: the first certificate for a completion without outcome).
CREATE OR REPLACE MACRO finding_stands(p_as_of, p_at, p_flagged_from, p_cleared_on) AS
    p_at <= p_as_of
    AND (p_flagged_from IS NULL OR p_flagged_from <= p_as_of)
    AND (p_cleared_on IS NULL OR p_cleared_on > p_as_of);

-- How many times a flagged key occurred by p_as_of (p_dates: its sorted start or issue dates).
CREATE OR REPLACE MACRO times_by(p_dates, p_as_of) AS CAST(len(list_filter(p_dates, lambda d: d <= p_as_of)) AS BIGINT);
