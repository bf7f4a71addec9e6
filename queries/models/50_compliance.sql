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
