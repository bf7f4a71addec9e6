-- 资金测算 (issue #15): every completed training and every certificate priced under the subsidy standards in
-- force on its date. The standards are data/reference/subsidy_rules.csv (one row per standard, with its document
-- number and validity); no amount is written here.
--
-- Derivations where the extract lacks a field (README "资金测算", shown on the page as assumptions):
--   days      = ceil(hours ÷ 8)                  (000 (十二): 10 天 = 80 课时)
--   class     = institution_id + occupation + start_date   (order/project employment is judged per class)
--   platform  = the institution_id of an online course; its offline share is counted per calendar year of end_date
--   years     = ceil((end_date − start_date + 1) ÷ 365) of an apprenticeship (5,000 元/人/年)
--   certified = passed, or a certificate that names the training (000: 80 % on certification)
-- Employment (CONTRACT §4): an outcome is due 90 days after end_date; a due null counts as not employed.
-- A person cap (cap_per = person_year) is reached in order of end_date within a calendar year and line.

-- Why a record earns less than its standard amount (first reason that applies).
CREATE OR REPLACE VIEW subsidy_reason_labels AS
SELECT * FROM (VALUES
    ('no_rule',                 1, '无适用补贴标准（文件未列此类培训/证书的标准，或不在标准有效期内）'),
    ('repeat_training',         2, '同一工种同一等级同一年度重复培训'),
    ('below_min_hours',         3, '培训不足3天（24学时）'),
    ('not_passed',              4, '未取得培训合格证书'),
    ('not_certified',           5, '未取得证书（先付80%的条件）'),
    ('outcome_not_due',         6, '就业结果未到期（结业后90天）'),
    ('employment_below',        7, '班级就业率未达标准'),
    ('not_new_skilled',         8, '非新增技能人才（此前已有技能证书）'),
    ('not_direct_intermediate', 9, '先取初级后取中级（非初次直接取中级）'),
    ('repeat_level',           10, '同一等级已取证（同一等级只补一次）'),
    ('not_new_high_skilled',   11, '非新增高技能人才（此前已有高级工及以上证书）'),
    ('repeat_special',         12, '特种作业/特种设备非初次取证'),
    ('not_employed',           13, '3个月内未就业（或未录入），后20%不付'),
    ('bonus_pending',          14, '结业未满1年未取证，后300元待定'),
    ('no_certificate',         15, '结业1年内未取得相应证书，后300元不付'),
    ('offline_share_low',      16, '平台线上转线下比例不足30%，按比例折算'),
    ('cap_reached',            17, '已达补贴上限')
) AS v(reason, position, reason_label);

-- One line per kind of record, for summaries (the certificate line is 'certificate').
CREATE OR REPLACE VIEW subsidy_lines AS
SELECT * FROM (VALUES
    ('enterprise_staff', 1, '企业职工培训'),
    ('apprenticeship',   2, '企业新型学徒制'),
    ('order_project',    3, '订单式项目制培训'),
    ('key_group',        4, '就业重点群体培训'),
    ('online',           5, '线上培训'),
    ('caregiver_brand',  6, '劳务品牌(吕梁山护工)'),
    ('entrepreneurship', 7, '创业培训'),
    ('school_directed',  8, '院校定向培训'),
    ('certificate',      9, '取证补贴')
) AS v(line, position, line_label);

-- A price depends on its person's own records (and on classes and platforms, which are aggregates of their own), so
-- pricing can be built part by part of the persons (person_bucket, in_person_part: models/00_extracts.sql). The
-- pricing inputs below are written once per data version sorted by bucket (version aggregates
-- subsidy_training_inputs, subsidy_certificate_inputs), so a part reads only its row groups.

-- (only the columns pricing reads: every later join, sort and window carries what it is given)
CREATE OR REPLACE VIEW subsidy_training_input_rows AS
SELECT person_bucket(person_id) AS person_bucket, record_id, person_id, county_code, institution_id, training_type,
       person_category, skill_level, occupation, start_date, end_date, hours, passed, employed
FROM completed_training;

CREATE OR REPLACE VIEW subsidy_certificate_input_rows AS
SELECT person_bucket(person_id) AS person_bucket, cert_id, person_id, county_code, evaluator_id, cert_type, skill_level,
       occupation, issue_date, training_record_id
FROM certificates;

-- Every certificate issued by D, priced under 003 五 (新增技能人才、高技能人才取证补贴), of the persons of part p_part of
-- p_parts (0 of 1: everyone): a certificate's price depends only on its person's certificates.
CREATE OR REPLACE MACRO subsidy_certificates_priced_of(p_as_of, p_part, p_parts) AS TABLE
WITH issued AS (
    SELECT * EXCLUDE (person_bucket, training_record_id)
    FROM subsidy_certificate_inputs
    WHERE issue_date <= p_as_of AND in_person_part(person_bucket, p_part, p_parts)
),
history AS (
    -- where the certificate stands in the person's history (ties on a day broken by cert_id): running counts, in one
    -- ordering, of the person's skilled, high-skilled and special certificates and of their 初/中/高级 skill certificates
    SELECT
        c.*,
        count(*) FILTER (WHERE cert_type IN ('qualification', 'skill_level', 'special_operation', 'special_equipment'))
            OVER person_history                                                                   AS skilled_seen,
        count(*) FILTER (WHERE skill_level <= 3) OVER person_history                              AS high_seen,
        count(*) FILTER (WHERE cert_type IN ('special_operation', 'special_equipment')) OVER person_history
                                                                                                  AS special_seen,
        count(*) FILTER (WHERE cert_type IN ('qualification', 'skill_level') AND skill_level = 5) OVER person_history
                                                                                                  AS primary_seen,
        count(*) FILTER (WHERE cert_type IN ('qualification', 'skill_level') AND skill_level = 4) OVER person_history
                                                                                                  AS intermediate_seen,
        count(*) FILTER (WHERE cert_type IN ('qualification', 'skill_level') AND skill_level = 3) OVER person_history
                                                                                                  AS senior_seen
    FROM issued AS c
    WINDOW person_history AS (
        PARTITION BY person_id ORDER BY issue_date, cert_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
),
with_earlier_primary AS (
    SELECT
        h.*,
        -- the certificate's place among the person's certificates at its own level (1 = the first)
        CASE skill_level WHEN 5 THEN primary_seen WHEN 4 THEN intermediate_seen WHEN 3 THEN senior_seen END AS level_rank
    FROM history AS h
),
rule_of_certificate AS (
    SELECT c.cert_id, r.*
    FROM issued AS c
    JOIN subsidy_rules AS r
      ON r.kind = 'certificate'
     AND list_contains(string_split(r.cert_types, ' '), c.cert_type)
     AND c.issue_date BETWEEN r.valid_from AND coalesce(r.valid_to, DATE '9999-12-31')
     AND (r.skill_level IS NULL OR r.skill_level = c.skill_level)
    JOIN unit_members AS m ON m.unit_code = r.scope_code AND m.county_code = c.county_code
    QUALIFY row_number() OVER (
        PARTITION BY c.cert_id
        ORDER BY CASE m.unit_type WHEN 'county' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, r.valid_from DESC, r.rule_id
    ) = 1
),
judged AS (
    SELECT
        h.*,
        r.rule_id, r.source, r.amount AS rate,
        CASE
            WHEN r.rule_id IS NULL THEN 'no_rule'
            WHEN r.requires = 'new_skilled' AND h.skilled_seen > 1 THEN
                CASE
                    WHEN h.level_rank > 1 THEN 'repeat_level'
                    WHEN h.skill_level = 4 AND h.primary_seen > 0 THEN 'not_direct_intermediate'
                    ELSE 'not_new_skilled'
                END
            WHEN r.requires = 'new_high_skilled' AND h.high_seen > 1 THEN
                CASE WHEN h.level_rank > 1 THEN 'repeat_level' ELSE 'not_new_high_skilled' END
            WHEN r.requires = 'first_special' AND h.special_seen > 1 THEN 'repeat_special'
        END AS reason
    FROM with_earlier_primary AS h
    LEFT JOIN rule_of_certificate AS r USING (cert_id)
)
SELECT
    'certificate'                                        AS record_kind,
    cert_id                                              AS record_id,
    person_id,
    county_code,
    evaluator_id                                         AS institution_id,
    'certificate'                                        AS line,
    cert_type                                            AS type_code,
    skill_level,
    occupation,
    CAST(NULL AS DATE)                                   AS start_date,
    issue_date                                           AS event_date,
    CAST(NULL AS SMALLINT)                               AS hours,
    CAST(NULL AS INTEGER)                                AS days,
    rule_id,
    source,
    CAST(coalesce(rate, 0) AS DECIMAL(14, 2))            AS standard_amount,
    CAST(CASE WHEN reason IS NULL THEN rate ELSE 0 END AS DECIMAL(14, 2)) AS amount,
    reason,
    CAST(NULL AS DOUBLE)                                 AS class_rate,
    CAST(NULL AS DOUBLE)                                 AS offline_share
FROM judged;

CREATE OR REPLACE MACRO subsidy_certificates_priced(p_as_of) AS TABLE
SELECT * FROM subsidy_certificates_priced_of(p_as_of, 0, 1);

-- Seed 003 六: the funds a plan's units are allocated — ⌈head count × ⅓⌉ at the enterprise standard, the rest at
-- 1,000 元/人, plus each certificate target × its standard. The head count is the first metric of the rule's list
-- that the unit has a target for; `demo` marks an allocation computed from a 示例 target.
CREATE OR REPLACE MACRO subsidy_allocation(p_plan) AS TABLE
WITH plan AS (
    SELECT start FROM plans WHERE plan_id = p_plan
),
allocation_rules AS (
    SELECT r.*
    FROM subsidy_rules AS r, plan AS p
    WHERE r.kind = 'allocation' AND p.start BETWEEN r.valid_from AND coalesce(r.valid_to, DATE '9999-12-31')
),
rule_targets AS (
    SELECT t.unit_type, t.unit_code, r.rule_id, r.line, r.amount, r.factor, t.metric, t.target, t.source
    FROM allocation_rules AS r
    JOIN targets AS t ON t.plan_id = p_plan AND list_contains(string_split(r.metric, ' '), t.metric)
    QUALIFY row_number() OVER (
        PARTITION BY t.unit_type, t.unit_code, r.rule_id ORDER BY list_position(string_split(r.metric, ' '), t.metric)
    ) = 1
),
shares AS (
    SELECT *, CASE WHEN factor IS NOT NULL THEN ceil(target * factor - 1e-9) END AS share_persons
    FROM rule_targets
)
SELECT
    unit_type,
    unit_code,
    rule_id,
    line,
    metric,
    target,
    coalesce(share_persons, target - coalesce(sum(share_persons) OVER (PARTITION BY unit_type, unit_code, line), 0))
        AS persons,
    amount,
    coalesce(share_persons, target - coalesce(sum(share_persons) OVER (PARTITION BY unit_type, unit_code, line), 0))
        * amount AS allocation,
    source = 'demo' AS demo
FROM shares;
