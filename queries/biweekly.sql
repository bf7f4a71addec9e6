-- Biweekly dispatch series (双周调度): each 14-day period's increment and cumulative per unit and metric
-- @param plan text required
-- @param level text optional
-- @param as_of date required
SELECT *
FROM biweekly_series($plan, $level, $as_of)
ORDER BY CASE unit_type WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'county' THEN 2 ELSE 3 END,
         unit_code, position, period;
