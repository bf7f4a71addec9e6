-- What the extract covers (CONTRACT §4 "Data coverage"): the business dates that hold at least one completion
-- or certificate. L, the latest business date, bounds every as-of date; a plan window without any business
-- date holds no data. Built once per connection (a few hundred rows), so guards cost nothing per request.
CREATE OR REPLACE TABLE business_dates AS
SELECT DISTINCT end_date AS business_date FROM completed_training WHERE end_date IS NOT NULL
UNION
SELECT DISTINCT issue_date FROM certificates WHERE issue_date IS NOT NULL;

-- L: the latest completed end_date or issue_date in the extract (NULL for an empty extract)
CREATE OR REPLACE MACRO data_latest() AS (SELECT max(business_date) FROM business_dates);

-- the date figures are measured on: the as-of date, but never past the data (D > L → L)
CREATE OR REPLACE MACRO measured_on(p_as_of) AS
    CAST(CASE WHEN data_latest() IS NULL THEN p_as_of ELSE least(CAST(p_as_of AS DATE), data_latest()) END AS DATE);

-- whether a plan window [start, deadline] holds any business date at all
CREATE OR REPLACE MACRO window_has_data(p_start, p_deadline) AS
    EXISTS (SELECT 1 FROM business_dates WHERE business_date BETWEEN p_start AND p_deadline);
