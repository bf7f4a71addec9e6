-- Years that hold trainings or certificates up to the as-of date (the compliance page's year picker), newest first
-- @param as_of date optional
-- Reads data_years (queries/aggregates/25_data_years.sql): each year with its first date.
SELECT year FROM data_years WHERE first_date <= $as_of ORDER BY year DESC;
