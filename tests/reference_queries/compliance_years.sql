-- Years that hold trainings or certificates up to the as-of date (the compliance page's year picker), newest first
-- @param as_of date optional
WITH years_in_data AS (
    SELECT DISTINCT year(start_date) AS year FROM training WHERE start_date <= $as_of
    UNION
    SELECT DISTINCT year(issue_date) FROM certificates WHERE issue_date <= $as_of
)
SELECT year FROM years_in_data WHERE year IS NOT NULL ORDER BY year DESC;
