-- metric_facts: one row per event that can make a person count for a plan's metric.
--   part        'value' for counts; 'num' / 'den' for rates (rate = num ÷ den, each distinct persons);
--               'cohort' for employment rates: every completer counted, due or not (待核实 = cohort − den)
--   county_code where the event counts (rolled up to cities and the province by unit_members)
--   school_unit the schools.csv unit it counts for (seed 004 quotas), else NULL
--   person_key  person_id (record_id for person-times: every completed enrolment counts)
--   event_date  the first date the event counts; a person counts as of D when one of their events is ≤ D
-- Each plan's window is applied here: plan start ≤ end_date / issue_date (CONTRACT §3), and nothing after the
-- deadline counts toward a task (CONTRACT §4: a count at D > deadline is its value at the deadline; a rate's
-- cohort is the persons counted by the deadline, their outcomes read as of D).

-- Which training types each training-line metric counts (CONTRACT §3, seeds 001, 002, 003, 004)
CREATE OR REPLACE VIEW metric_training_types AS
SELECT * FROM (VALUES
    ('training_total', 'enterprise_staff'), ('training_total', 'apprenticeship'),
    ('training_total', 'order_project'), ('training_total', 'entrepreneurship'),
    ('training_total', 'key_group'),
    ('training_enterprise', 'enterprise_staff'), ('training_enterprise', 'apprenticeship'),
    ('training_order_project', 'order_project'),
    ('training_entrepreneurship', 'entrepreneurship'),
    ('training_key_group', 'key_group'),
    ('training_caregiver', 'caregiver_brand'),
    ('caregiver_employed', 'caregiver_brand'),
    ('directed_training', 'school_directed'),
    ('apprentices', 'apprenticeship'),
    -- 003: enterprise staff ≥ one third of the city's annual plan (CONTRACT §4 enterprise_third)
    ('enterprise_third', 'enterprise_staff'), ('enterprise_third', 'apprenticeship')
) AS v(metric, training_type)
UNION ALL
-- every subsidised line counts for the province-wide totals (003, 001)
SELECT metric, training_type
FROM (VALUES ('subsidised_trainees'), ('training_person_times')) AS m(metric),
     (VALUES ('enterprise_staff'), ('apprenticeship'), ('order_project'), ('entrepreneurship'), ('key_group'),
             ('caregiver_brand'), ('school_directed'), ('online')) AS t(training_type);

-- Training lines a document can give a unit its own target for (Liulin's four lines of 1,500 in 002, its
-- caregivers, 001's apprentices, 004's directed training): the yardstick for causes where they exist.
CREATE OR REPLACE VIEW metric_lines AS
SELECT * FROM (VALUES
    ('training_enterprise'), ('training_order_project'), ('training_entrepreneurship'), ('training_key_group'),
    ('training_caregiver'), ('apprentices'), ('directed_training')
) AS v(metric);

-- Rates over completed trainings: which enrolments form the denominator, and which of them the numerator.
CREATE OR REPLACE VIEW metric_training_rates AS
SELECT * FROM (VALUES
    -- metric,                        denominator types (NULL = all), numerator rule
    ('caregiver_cert_rate',           'caregiver_brand', 'certified'),
    ('order_project_employment_rate', 'order_project',   'employed'),
    ('institution_pass_rate',         NULL,              'passed'),
    ('institution_employment_rate',   NULL,              'employed'),
    ('trainee_employment_rate',       NULL,              'employed_not_enterprise'),
    ('enterprise_share',              NULL,              'enterprise_line')
) AS v(metric, denominator_type, numerator_rule);

-- 持证 (CONTRACT §4): a skill certificate; a 培训合格证书 (training_completion) is a course certificate, not 持证
CREATE OR REPLACE VIEW skill_certificates AS
SELECT * FROM certificates
WHERE cert_type IN ('qualification', 'skill_level', 'special_ability', 'special_operation', 'special_equipment');

-- CONTRACT §4: an employment outcome is due 90 days after completion (not entered by then = not employed)
CREATE OR REPLACE MACRO outcome_due_on(p_end_date) AS CAST(p_end_date + 90 AS DATE);

-- New skilled talent: a person's first certificate of a skilled type in the whole history (CONTRACT §1)
-- (version aggregate first_skilled_certificate, queries/aggregates/10: every plan's first counts read it)
CREATE OR REPLACE VIEW first_skilled_certificate_rows AS
SELECT person_id, county_code, issue_date
FROM certificates
WHERE cert_type IN ('qualification', 'skill_level', 'special_operation', 'special_equipment')
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY issue_date, cert_id) = 1;

-- New high-skilled talent: a person's first certificate at skill level ≤ 3 (高级工 or above)
-- (version aggregate first_high_skilled_certificate, queries/aggregates/10)
CREATE OR REPLACE VIEW first_high_skilled_certificate_rows AS
SELECT person_id, county_code, issue_date
FROM certificates
WHERE skill_level <= 3
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY issue_date, cert_id) = 1;

CREATE OR REPLACE VIEW graduating_certificates AS
SELECT c.*, s.unit_code AS named_unit, s."group" AS named_group, s.quota_metric AS named_metric
FROM certificates AS c
LEFT JOIN schools AS s ON s.name = c.school_name
WHERE c.graduating_student;

-- metric_facts_of: the facts of part p_part of p_parts of the persons (models/00_extracts.sql): every fact of a person
-- is in their part (a fact's persons meet only their own records), so each plan's first counts can be counted part by
-- part of a province-size extract and added up. metric_facts below is the whole (part 0 of 1).
CREATE OR REPLACE MACRO metric_facts_of(p_part, p_parts) AS TABLE
WITH part_training AS NOT MATERIALIZED (
    SELECT * FROM completed_training WHERE person_in_part(person_id, p_part, p_parts)
),
part_certificates AS NOT MATERIALIZED (
    SELECT * FROM certificates WHERE person_in_part(person_id, p_part, p_parts)
),
part_skill_certificates AS NOT MATERIALIZED (
    SELECT * FROM skill_certificates WHERE person_in_part(person_id, p_part, p_parts)
),
part_graduating_certificates AS NOT MATERIALIZED (
    SELECT * FROM graduating_certificates WHERE person_in_part(person_id, p_part, p_parts)
),
part_first_skilled AS NOT MATERIALIZED (
    SELECT * FROM first_skilled_certificate WHERE person_in_part(person_id, p_part, p_parts)
),
part_first_high_skilled AS NOT MATERIALIZED (
    SELECT * FROM first_high_skilled_certificate WHERE person_in_part(person_id, p_part, p_parts)
),
training_lines AS (
    SELECT w.plan_id, w.metric, 'value' AS part, t.county_code, NULL AS school_unit,
           CASE WHEN w.metric = 'training_person_times' THEN t.record_id ELSE t.person_id END AS person_key,
           t.end_date AS event_date
    FROM plan_metric_windows AS w
    JOIN metric_training_types AS mt USING (metric)
    JOIN part_training AS t
      ON t.training_type = mt.training_type AND t.end_date BETWEEN w.start AND w.deadline
    WHERE w.metric <> 'caregiver_employed' OR t.employed
),
rate_denominators AS (
    SELECT w.plan_id, w.metric, r.numerator_rule, t.*
    FROM plan_metric_windows AS w
    JOIN metric_training_rates AS r USING (metric)
    JOIN part_training AS t
      ON t.end_date BETWEEN w.start AND w.deadline
     AND (r.denominator_type IS NULL OR t.training_type = r.denominator_type)
     AND (r.numerator_rule <> 'employed_not_enterprise' OR t.person_category <> 'enterprise_employee')
),
rate_parts AS (
    -- employment rates (CONTRACT §4): a completer enters the denominator when their outcome is due
    SELECT plan_id, metric, 'den' AS part, county_code, NULL AS school_unit, person_id AS person_key,
           CASE WHEN numerator_rule IN ('employed', 'employed_not_enterprise') THEN outcome_due_on(end_date)
                ELSE end_date END AS event_date
    FROM rate_denominators
    UNION ALL
    -- … and the cohort, due or not, so that 待核实 (pending) = cohort − due can stand beside the rate
    SELECT plan_id, metric, 'cohort', county_code, NULL, person_id, end_date
    FROM rate_denominators
    WHERE numerator_rule IN ('employed', 'employed_not_enterprise')
    UNION ALL
    -- employed, counted once due (a due outcome left empty counts as not employed: 不录不补)
    SELECT plan_id, metric, 'num', county_code, NULL, person_id, outcome_due_on(end_date)
    FROM rate_denominators
    WHERE numerator_rule IN ('employed', 'employed_not_enterprise') AND employed
    UNION ALL
    SELECT plan_id, metric, 'num', county_code, NULL, person_id, end_date
    FROM rate_denominators
    WHERE (numerator_rule = 'passed' AND passed)
       OR (numerator_rule = 'enterprise_line' AND training_type IN ('enterprise_staff', 'apprenticeship'))
    UNION ALL
    -- 持证率 (CONTRACT §4): a skill certificate issued on or after the counted caregiver training's start;
    -- certified from the later of completion and that certificate
    SELECT d.plan_id, d.metric, 'num', d.county_code, NULL, d.person_id,
           greatest(d.end_date, min(c.issue_date))
    FROM rate_denominators AS d
    JOIN part_skill_certificates AS c ON c.person_id = d.person_id AND c.issue_date >= d.start_date
    WHERE d.numerator_rule = 'certified'
    GROUP BY d.plan_id, d.metric, d.county_code, d.person_id, d.record_id, d.end_date
),
new_talent AS (
    SELECT w.plan_id, w.metric, 'value' AS part, f.county_code, NULL AS school_unit, f.person_id AS person_key,
           f.issue_date AS event_date
    FROM plan_metric_windows AS w
    JOIN part_first_skilled AS f
      ON w.metric = 'new_skilled' AND f.issue_date BETWEEN w.start AND w.deadline
    UNION ALL
    SELECT w.plan_id, w.metric, 'value', f.county_code, NULL, f.person_id, f.issue_date
    FROM plan_metric_windows AS w
    JOIN part_first_high_skilled AS f
      ON w.metric = 'new_high_skilled' AND f.issue_date BETWEEN w.start AND w.deadline
),
students AS (
    -- 002: skill_level 4 certificates of graduating students of (county) secondary schools
    SELECT w.plan_id, w.metric, 'value' AS part, c.county_code, NULL AS school_unit, c.person_id AS person_key,
           c.issue_date AS event_date
    FROM plan_metric_windows AS w
    JOIN part_graduating_certificates AS c
      ON w.metric = 'secondary_intermediate_certs' AND c.skill_level = 4 AND c.school_name IS NOT NULL
     AND c.issue_date BETWEEN w.start AND w.deadline
    UNION ALL
    -- 004: senior certificates (level ≤ 3; professionals' qualification certificates count as senior)
    SELECT w.plan_id, w.metric, 'value', c.county_code,
           CASE WHEN c.named_metric = 'senior_certs' THEN c.named_unit END, c.person_id, c.issue_date
    FROM plan_metric_windows AS w
    JOIN part_graduating_certificates AS c
      ON w.metric = 'senior_certs' AND c.issue_date BETWEEN w.start AND w.deadline
     AND (c.skill_level <= 3 OR (c.cert_type = 'qualification' AND c.skill_level IS NULL))
    UNION ALL
    -- 004: intermediate certificates: a provincial school's by name; a city bureau's are its city's students
    -- of schools that are not units of schools.csv
    SELECT w.plan_id, w.metric, 'value', c.county_code,
           CASE WHEN c.named_group = 'provincial_secondary' THEN c.named_unit
                WHEN c.named_unit IS NULL THEN bureau.unit_code END,
           c.person_id, c.issue_date
    FROM plan_metric_windows AS w
    JOIN part_graduating_certificates AS c ON w.metric = 'intermediate_certs' AND c.skill_level = 4
     AND c.issue_date BETWEEN w.start AND w.deadline
    LEFT JOIN regions AS county ON county.code = c.county_code
    LEFT JOIN schools AS bureau ON bureau."group" = 'city_education_bureau' AND bureau.city_code = county.parent_code
),
trained_certified_windows AS (
    -- the windows of 000's trained-and-certified metrics (the four lines of a year share one)
    SELECT DISTINCT plan_id, start, deadline FROM plan_metric_windows WHERE metric LIKE 'trained_certified%'
),
certified_in_window AS (
    -- 000: certified (qualification, special ability, skill level or training completion certificate) within
    -- the window: each person's first such certificate
    SELECT w.plan_id, w.start, w.deadline, c.person_id, min(c.issue_date) AS first_issue_date
    FROM trained_certified_windows AS w
    JOIN part_certificates AS c
      ON c.issue_date BETWEEN w.start AND w.deadline
     AND c.cert_type IN ('qualification', 'special_ability', 'skill_level', 'training_completion')
    GROUP BY ALL
),
trained_and_certified AS (
    -- … and trained (completed) within it: counts from the later of the two. Per county and person category the
    -- earliest completion decides (the later of it and the certificate is the earliest such date), so a person with
    -- several completions is one fact there, before the four metrics fan out.
    SELECT ci.plan_id, ci.start, ci.deadline, t.county_code, t.person_category, t.person_id,
           greatest(min(t.end_date), any_value(ci.first_issue_date)) AS event_date
    FROM certified_in_window AS ci
    JOIN part_training AS t
      ON t.person_id = ci.person_id AND t.end_date BETWEEN ci.start AND ci.deadline
    GROUP BY ci.plan_id, ci.start, ci.deadline, t.county_code, t.person_category, t.person_id
),
trained_certified AS (
    SELECT w.plan_id, w.metric, 'value' AS part, tc.county_code, NULL AS school_unit, tc.person_id AS person_key,
           tc.event_date
    FROM plan_metric_windows AS w
    JOIN trained_and_certified AS tc
      ON tc.plan_id = w.plan_id AND tc.start = w.start AND tc.deadline = w.deadline
    WHERE w.metric = 'trained_certified'
       OR (w.metric = 'trained_certified_rural' AND tc.person_category = 'rural_migrant')
       OR (w.metric = 'trained_certified_unemployed' AND tc.person_category = 'urban_unemployed')
       OR (w.metric = 'trained_certified_enterprise' AND tc.person_category = 'enterprise_employee')
),
all_facts AS (
    SELECT * FROM training_lines
    UNION ALL SELECT * FROM rate_parts
    UNION ALL SELECT * FROM new_talent
    UNION ALL SELECT * FROM students
    UNION ALL SELECT * FROM trained_certified
)
-- counts stop at the deadline (each value line above already reads its window up to the deadline only, which
-- gives the same persons and dates for less work); a rate's cohort was fixed by the deadline above and its
-- outcomes run on
SELECT f.*
FROM all_facts AS f
JOIN plan_metric_windows AS w USING (plan_id, metric)
WHERE f.part <> 'value' OR f.event_date <= w.deadline;

CREATE OR REPLACE VIEW metric_facts AS SELECT * FROM metric_facts_of(0, 1);
