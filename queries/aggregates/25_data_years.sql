-- Each year that holds trainings (by start) or certificates (by issue), with its first date (the compliance year picker)
-- A year is offered as of D when its first date is <= D.
WITH first_dates AS (
    SELECT year(start_date) AS year, min(start_date) AS first_date FROM training GROUP BY ALL
    UNION ALL
    SELECT year(issue_date), min(issue_date) FROM certificates GROUP BY ALL
)
SELECT year, min(first_date) AS first_date
FROM first_dates
WHERE year IS NOT NULL
GROUP BY year
ORDER BY year
