-- Completion of every unit and metric of a plan as of a date: target, actual, %, time-expected %, status
-- @param plan text required
-- @param level text optional
-- @param as_of date required
SELECT *
FROM unit_progress($plan, $level, $as_of)
ORDER BY
    CASE unit_type WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'county' THEN 2 ELSE 3 END,
    unit_code,
    position;
