-- The extracts exactly as CONTRACT §1 names them: contract columns only, contract types.
-- (The runner has exposed the Parquet files as training_raw / certificates_raw.)
CREATE OR REPLACE VIEW training AS
SELECT
    CAST(record_id AS VARCHAR)       AS record_id,
    CAST(person_id AS VARCHAR)       AS person_id,
    CAST(county_code AS VARCHAR)     AS county_code,
    CAST(training_type AS VARCHAR)   AS training_type,
    CAST(person_category AS VARCHAR) AS person_category,
    CAST(institution_id AS VARCHAR)  AS institution_id,
    CAST(school_name AS VARCHAR)     AS school_name,
    CAST(occupation AS VARCHAR)      AS occupation,
    CAST(skill_level AS TINYINT)     AS skill_level,
    CAST(industry AS VARCHAR)        AS industry,
    CAST(start_date AS DATE)         AS start_date,
    CAST(end_date AS DATE)           AS end_date,
    CAST(hours AS SMALLINT)          AS hours,
    CAST(status AS VARCHAR)          AS status,
    CAST(passed AS BOOLEAN)          AS passed,
    CAST(employed AS BOOLEAN)        AS employed,
    CAST(entered_on AS DATE)         AS entered_on,
    -- CONTRACT §4: optional 培训机构名称 (NULL where the extract has none)
    CAST(institution_name AS VARCHAR) AS institution_name
FROM training_raw;

CREATE OR REPLACE VIEW certificates AS
SELECT
    CAST(cert_id AS VARCHAR)            AS cert_id,
    CAST(person_id AS VARCHAR)          AS person_id,
    CAST(county_code AS VARCHAR)        AS county_code,
    CAST(cert_type AS VARCHAR)          AS cert_type,
    CAST(skill_level AS TINYINT)        AS skill_level,
    CAST(occupation AS VARCHAR)         AS occupation,
    CAST(issue_date AS DATE)            AS issue_date,
    CAST(evaluator_id AS VARCHAR)       AS evaluator_id,
    CAST(school_name AS VARCHAR)        AS school_name,
    CAST(graduating_student AS BOOLEAN) AS graduating_student,
    CAST(major AS VARCHAR)              AS major,
    CAST(training_record_id AS VARCHAR) AS training_record_id,
    -- CONTRACT §4: optional 评价机构名称
    CAST(evaluator_name AS VARCHAR)     AS evaluator_name
FROM certificates_raw;

-- the name each institution goes by (the most recent one entered), for pages, exports and texts
CREATE OR REPLACE VIEW institution_names AS
SELECT institution_id, arg_max(institution_name, entered_on) AS institution_name
FROM training
WHERE institution_name IS NOT NULL
GROUP BY institution_id;

-- Work that is per person (pricing, each plan's first counts) can be done part by part of the persons, in bounded
-- memory. Persons fall in 1,024 buckets by a hash of their key; part p_part of p_parts is a range of buckets.
CREATE OR REPLACE MACRO person_bucket(p_person_id) AS CAST(hash(p_person_id) % 1024 AS INTEGER);
CREATE OR REPLACE MACRO in_person_part(p_bucket, p_part, p_parts) AS
    p_bucket >= p_part * 1024 // p_parts AND p_bucket < (p_part + 1) * 1024 // p_parts;
CREATE OR REPLACE MACRO person_in_part(p_person_id, p_part, p_parts) AS
    p_parts = 1 OR in_person_part(person_bucket(p_person_id), p_part, p_parts);

-- CONTRACT §3: a training counts only when completed
CREATE OR REPLACE VIEW completed_training AS
SELECT * FROM training WHERE status = 'completed';
